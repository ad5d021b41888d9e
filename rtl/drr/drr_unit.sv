// DRR (data recovery and reconstruction) address-change unit.
//
// Streams stored blocks (docs/BLOCK_FORMAT.md: 512 data bytes, then an 8-byte
// trailer: LA device, LA block, CRC-16/T10-DIF check code) from a source
// device to a target device. For every block it checks the incoming check
// code (CD) and logical address (LA), and, only when both are right, rewrites
// the LA to the target address and stamps the CD that matches it. A block
// that fails either check leaves with its trailer exactly as it arrived and
// its error flagged, so it can never pass as good data downstream.
//
// Interfaces (valid/ready; a transfer fires when both are high at posedge):
//   cmd  one transfer: source LA, target LA, block count. Accepted when idle.
//   in   DATA_BYTES per beat, byte k of the stream on lane k%DATA_BYTES
//        (lane i = in_data[8*i +: 8]). A block is 512/DATA_BYTES data beats
//        and one trailer beat whose lanes 0..7 carry the trailer.
//   out  the same beats one cycle later; out_trailer marks a trailer beat and
//        out_cd_error / out_la_error carry that block's check results.
//   sts  transfer status, valid once every block has left on out.
//
// Timing: one beat per cycle sustained; latency in -> out one cycle. A
// transfer of n blocks occupies the unit for n*(512/DATA_BYTES+1)+3 cycles
// (command, beats, drain, status) when never stalled (docs/DRR_UNIT.md).
module drr_unit
  import checkcode_pkg::*;
#(
    parameter int DATA_BYTES = 64  // 8..512, a power of two
) (
    input logic clk,
    input logic rst,

    input  logic        cmd_valid,
    output logic        cmd_ready,
    input  logic [15:0] cmd_src_device,
    input  logic [31:0] cmd_src_block,
    input  logic [15:0] cmd_dst_device,
    input  logic [31:0] cmd_dst_block,
    input  logic [31:0] cmd_block_count,

    input  logic                    in_valid,
    output logic                    in_ready,
    input  logic [DATA_BYTES*8-1:0] in_data,

    output logic                    out_valid,
    input  logic                    out_ready,
    output logic [DATA_BYTES*8-1:0] out_data,
    output logic                    out_trailer,
    output logic                    out_cd_error,
    output logic                    out_la_error,

    output logic        sts_valid,
    input  logic        sts_ready,
    output logic [31:0] sts_blocks,
    output logic [31:0] sts_cd_errors,
    output logic [31:0] sts_la_errors,
    output logic [31:0] sts_first_bad
);

  localparam int DATA_BEATS = 512 / DATA_BYTES;
  localparam int BEAT_W = $clog2(DATA_BEATS + 1);
  localparam logic [BEAT_W-1:0] TRAILER_BEAT = BEAT_W'(DATA_BEATS);
  localparam logic [31:0] NO_BAD_BLOCK = 32'hffff_ffff;

  initial begin
    if (DATA_BYTES < 8 || DATA_BYTES > 512 || (DATA_BYTES & (DATA_BYTES - 1)) != 0) begin
      $error("drr_unit: DATA_BYTES=%0d must be a power of two in 8..512", DATA_BYTES);
    end
  end

  // Transfer state.
  logic              busy;
  logic [      15:0] src_device;
  logic [      31:0] src_block;  // LA expected on the next incoming block
  logic [      15:0] dst_device;
  logic [      31:0] dst_block;  // LA stamped on the next outgoing block
  logic [      31:0] blocks_left;  // blocks still to accept on in
  logic [BEAT_W-1:0] beat;  // beat index within the current block
  logic [      15:0] crc;  // CRC-16/T10-DIF over the current block's data so far
  logic [      31:0] blocks_done;
  logic [      31:0] cd_errors;
  logic [      31:0] la_errors;
  logic [      31:0] first_bad;

  wire cmd_fire = cmd_valid && cmd_ready;
  wire in_fire = in_valid && in_ready;
  wire out_fire = out_valid && out_ready;
  wire sts_fire = sts_valid && sts_ready;
  wire at_trailer = beat == TRAILER_BEAT;

  assign cmd_ready = !busy;
  assign in_ready = busy && blocks_left != 0 && (!out_valid || out_ready);
  assign sts_valid = busy && blocks_left == 0 && !out_valid;
  assign sts_blocks = blocks_done;
  assign sts_cd_errors = cd_errors;
  assign sts_la_errors = la_errors;
  assign sts_first_bad = first_bad;

  function automatic logic [15:0] crc_beat(input logic [15:0] c_in,
                                           input logic [DATA_BYTES*8-1:0] d);
    logic [15:0] c;
    c = c_in;
    for (int i = 0; i < DATA_BYTES; i++) c = crc16_t10dif_byte(c, d[8*i+:8]);
    return c;
  endfunction

  function automatic logic [15:0] crc_la(input logic [15:0] c_in, input logic [15:0] device,
                                         input logic [31:0] block);
    logic [15:0] c;
    c = crc16_t10dif_byte(c_in, device[15:8]);
    c = crc16_t10dif_byte(c, device[7:0]);
    c = crc16_t10dif_byte(c, block[31:24]);
    c = crc16_t10dif_byte(c, block[23:16]);
    c = crc16_t10dif_byte(c, block[15:8]);
    return crc16_t10dif_byte(c, block[7:0]);
  endfunction

  // The trailer as it arrives: big-endian fields in stream byte order.
  wire [15:0] in_la_device = {in_data[7:0], in_data[15:8]};
  wire [31:0] in_la_block = {in_data[23:16], in_data[31:24], in_data[39:32], in_data[47:40]};
  wire [15:0] in_cd = {in_data[55:48], in_data[63:56]};

  wire cd_ok = crc_la(crc, in_la_device, in_la_block) == in_cd;
  wire la_ok = in_la_device == src_device && in_la_block == src_block;
  wire block_ok = cd_ok && la_ok;
  wire [15:0] new_cd = crc_la(crc, dst_device, dst_block);
  wire [63:0] new_trailer = {
    new_cd[7:0],
    new_cd[15:8],
    dst_block[7:0],
    dst_block[15:8],
    dst_block[23:16],
    dst_block[31:24],
    dst_device[7:0],
    dst_device[15:8]
  };

  logic [DATA_BYTES*8-1:0] trailer_beat;
  always_comb begin
    trailer_beat = in_data;
    if (block_ok) trailer_beat[63:0] = new_trailer;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
      out_valid <= 1'b0;
      blocks_left <= '0;
      beat <= '0;
      crc <= '0;
    end else begin
      if (out_fire) out_valid <= 1'b0;

      if (cmd_fire) begin
        busy <= 1'b1;
        src_device <= cmd_src_device;
        src_block <= cmd_src_block;
        dst_device <= cmd_dst_device;
        dst_block <= cmd_dst_block;
        blocks_left <= cmd_block_count;
        beat <= '0;
        crc <= '0;
        blocks_done <= '0;
        cd_errors <= '0;
        la_errors <= '0;
        first_bad <= NO_BAD_BLOCK;
      end

      if (in_fire) begin
        out_valid <= 1'b1;
        if (!at_trailer) begin
          out_data <= in_data;
          out_trailer <= 1'b0;
          out_cd_error <= 1'b0;
          out_la_error <= 1'b0;
          crc <= crc_beat(crc, in_data);
          beat <= beat + 1'b1;
        end else begin
          out_data <= trailer_beat;
          out_trailer <= 1'b1;
          out_cd_error <= !cd_ok;
          out_la_error <= !la_ok;
          crc <= '0;
          beat <= '0;
          blocks_left <= blocks_left - 1'b1;
          src_block <= src_block + 1'b1;
          dst_block <= dst_block + 1'b1;
          blocks_done <= blocks_done + 1'b1;
          if (!cd_ok) cd_errors <= cd_errors + 1'b1;
          if (!la_ok) la_errors <= la_errors + 1'b1;
          if (!block_ok && first_bad == NO_BAD_BLOCK) first_bad <= blocks_done;
        end
      end

      if (sts_fire) busy <= 1'b0;
    end
  end

endmodule
