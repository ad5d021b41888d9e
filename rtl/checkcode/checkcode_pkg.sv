// Check-code functions shared by the RTL blocks. CRC-16/T10-DIF as in the
// reveng catalogue: poly 0x8bb7, init 0, not reflected, no final xor; bytes
// enter most significant bit first. The C++ reference is
// rtl/checkcode/crc.h with kCrc16T10Dif.
package checkcode_pkg;

  localparam logic [15:0] CRC16_T10DIF_POLY = 16'h8bb7;

  // One byte through the CRC register. Branch-free so that synthesis sees an
  // XOR network and Verilator emits straight-line code.
  function automatic logic [15:0] crc16_t10dif_byte(input logic [15:0] crc,
                                                    input logic [7:0] data);
    logic [15:0] c;
    c = crc ^ {data, 8'h00};
    for (int i = 0; i < 8; i++) begin
      c = {c[14:0], 1'b0} ^ (CRC16_T10DIF_POLY & {16{c[15]}});
    end
    return c;
  endfunction

endpackage
