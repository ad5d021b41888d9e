#include "rtl/drr/drr_unit_rtl.h"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "Vdrr_unit_w16.h"
#include "Vdrr_unit_w64.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace copysim::drr {
namespace {

static_assert(std::endian::native == std::endian::little,
              "lanes are copied into Verilator words assuming a little-endian host");

// Verilator represents a bus of more than 64 bits as VlWide<words>, and one
// of 33..64 bits as QData; lane i is bits 8*i+7..8*i either way.
template <class Port>
void drive(Port& port, std::span<const uint8_t> lanes) {
  if constexpr (std::is_same_v<Port, QData>) {
    std::memcpy(&port, lanes.data(), sizeof(QData));
  } else {
    std::memcpy(port.data(), lanes.data(), lanes.size());
  }
}

template <class Port>
void sample(const Port& port, std::span<uint8_t> lanes) {
  if constexpr (std::is_same_v<Port, QData>) {
    std::memcpy(lanes.data(), &port, sizeof(QData));
  } else {
    std::memcpy(lanes.data(), port.data(), lanes.size());
  }
}

template <class Top>
class Verilated final : public DrrUnitRtl {
 public:
  Verilated(unsigned data_bytes, uint64_t clock_period_ps)
      : data_bytes_(data_bytes),
        half_period_ps_(clock_period_ps / 2),
        zeros_(data_bytes, 0),
        out_data_(data_bytes, 0) {
    if (clock_period_ps < 2 || clock_period_ps % 2 != 0) {
      throw std::invalid_argument("drr_unit clock period must be an even number of picoseconds");
    }
    context_ = std::make_unique<VerilatedContext>();
    context_->traceEverOn(true);    // must precede the model's construction
    context_->fatalOnError(false);  // an RTL $error must not abort the process
    top_ = std::make_unique<Top>(context_.get(), "TOP");
  }

  ~Verilated() override {
    close_wave();
    top_->final();
  }

  unsigned data_bytes() const override { return data_bytes_; }

  DrrOutputs evaluate(const DrrInputs& in) override {
    Top& t = *top_;
    t.rst = in.rst;
    t.cmd_valid = in.cmd_valid;
    t.cmd_src_device = in.cmd.source.device;
    t.cmd_src_block = in.cmd.source.block;
    t.cmd_dst_device = in.cmd.target.device;
    t.cmd_dst_block = in.cmd.target.block;
    t.cmd_block_count = in.cmd.block_count;
    t.in_valid = in.in_valid;
    if (in.in_data.empty()) {
      drive(t.in_data, zeros_);
    } else if (in.in_data.size() == data_bytes_) {
      drive(t.in_data, in.in_data);
    } else {
      throw std::invalid_argument("drr_unit in_data lane count does not match DATA_BYTES");
    }
    t.out_ready = in.out_ready;
    t.sts_ready = in.sts_ready;
    t.clk = 0;
    t.eval();
    dump();

    DrrOutputs out;
    out.cmd_ready = t.cmd_ready;
    out.in_ready = t.in_ready;
    out.out_valid = t.out_valid;
    sample(t.out_data, out_data_);
    out.out_data = out_data_;
    out.out_trailer = t.out_trailer;
    out.out_cd_error = t.out_cd_error;
    out.out_la_error = t.out_la_error;
    out.sts_valid = t.sts_valid;
    out.status = {t.sts_blocks, t.sts_cd_errors, t.sts_la_errors, t.sts_first_bad};
    return out;
  }

  void clock_edge() override {
    time_ps_ += half_period_ps_;
    top_->clk = 1;
    top_->eval();
    dump();
    time_ps_ += half_period_ps_;
    ++cycles_;
  }

  void open_wave(const std::string& fst_path) override {
    close_wave();
    wave_ = std::make_unique<VerilatedFstC>();
    top_->trace(wave_.get(), 99);
    wave_->open(fst_path.c_str());
    if (!wave_->isOpen()) {
      wave_.reset();
      throw std::runtime_error("cannot open waveform file " + fst_path);
    }
  }

  void close_wave() override {
    if (wave_) {
      wave_->close();
      wave_.reset();
    }
  }

  bool wave_open() const override { return wave_ != nullptr; }

  void advance_to_ps(uint64_t time_ps) override {
    if (time_ps > time_ps_) time_ps_ = time_ps;
  }
  uint64_t time_ps() const override { return time_ps_; }
  uint64_t cycles() const override { return cycles_; }

 private:
  void dump() {
    if (wave_) {
      context_->time(time_ps_);
      wave_->dump(time_ps_);
    }
  }

  unsigned data_bytes_;
  uint64_t half_period_ps_;
  std::vector<uint8_t> zeros_;
  std::vector<uint8_t> out_data_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<Top> top_;
  std::unique_ptr<VerilatedFstC> wave_;
  uint64_t time_ps_ = 0;
  uint64_t cycles_ = 0;
};

constexpr unsigned kWidths[] = {16, 64};

}  // namespace

std::span<const unsigned> drr_rtl_widths() { return kWidths; }

std::unique_ptr<DrrUnitRtl> make_drr_unit_rtl(unsigned data_bytes, uint64_t clock_period_ps) {
  switch (data_bytes) {
    case 16:
      return std::make_unique<Verilated<Vdrr_unit_w16>>(data_bytes, clock_period_ps);
    case 64:
      return std::make_unique<Verilated<Vdrr_unit_w64>>(data_bytes, clock_period_ps);
    default:
      throw std::invalid_argument("no Verilated drr_unit for data_bytes=" +
                                  std::to_string(data_bytes) + "; this build has 16 and 64");
  }
}

}  // namespace copysim::drr
