// Same-run QuantLib comparison for `npm run bench -- quant` (test/bench/quant.ts compiles this with g++ -O2 when the
// QuantLib headers are present). Reads the bench's inputs on stdin, so both sides time exactly the same cases:
//   F r
//   m                          then m lines: type(c|p) strike t vol price      (the IV / price+greeks grid)
//   alpha beta rho nu t n k0 dk                                               (the SABR-vol strikes k0 + dk·(i mod n))
//   nsmiles nstrikes, strikes…, then per smile: t vol_1 … vol_nstrikes        (the 41-strike fits, β fixed at 1)
// Prints one JSON line per figure: {"metric","value","unit"} (plus diagnostics), timing = median of 5 rounds after a
// warm-up round, like nsPerOp in quant.ts.
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/termstructures/volatility/sabr.hpp>
#include <ql/math/interpolations/sabrinterpolation.hpp>
#include <ql/version.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace QuantLib;

struct Case { Option::Type type; double k, t, vol, price; };

static volatile double g_sink = 0;

template <class Body> static double nsPerOp(long n, int rounds, Body body) {
  std::vector<double> samples;
  double sink = 0;
  for (int r = 0; r <= rounds; r++) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; i++) sink += body(i);
    auto t1 = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
    if (r > 0) samples.push_back(dt);
  }
  g_sink = g_sink + sink;
  std::sort(samples.begin(), samples.end());
  return samples[(samples.size() - 1) / 2];
}

static void figure(const char* metric, double value, const char* unit) {
  std::printf("{\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n", metric, value, unit);
}

int main() {
  double F, r;
  long m;
  if (!(std::cin >> F >> r >> m)) { std::fprintf(stderr, "ql_bench: bad input header\n"); return 2; }
  std::vector<Case> cases(m);
  for (auto& c : cases) {
    std::string type;
    std::cin >> type >> c.k >> c.t >> c.vol >> c.price;
    c.type = type == "c" ? Option::Call : Option::Put;
  }
  double sa, sb, sr, sn, st, k0, dk;
  long sN;
  std::cin >> sa >> sb >> sr >> sn >> st >> sN >> k0 >> dk;
  long nSmiles, nStrikes;
  std::cin >> nSmiles >> nStrikes;
  std::vector<double> strikes(nStrikes);
  for (auto& k : strikes) std::cin >> k;
  std::vector<double> smileT(nSmiles);
  std::vector<std::vector<double>> smiles(nSmiles, std::vector<double>(nStrikes));
  for (long j = 0; j < nSmiles; j++) {
    std::cin >> smileT[j];
    for (auto& v : smiles[j]) std::cin >> v;
  }
  if (!std::cin) { std::fprintf(stderr, "ql_bench: truncated input\n"); return 2; }

  // Price + five greeks: BlackCalculator on the forward (value, ∂V/∂F, ∂²V/∂F², vega, theta, rho).
  double greeksNs = nsPerOp(200000, 5, [&](long i) {
    const Case& c = cases[i % m];
    const double discount = std::exp(-r * c.t);
    BlackCalculator bc(c.type, c.k, F, c.vol * std::sqrt(c.t), discount);
    return bc.value() + bc.deltaForward() + bc.gammaForward() + bc.vega(c.t) + bc.theta(F, c.t) + bc.rho(c.t);
  });
  // blackFormula alone (price only), for reference.
  double priceNs = nsPerOp(200000, 5, [&](long i) {
    const Case& c = cases[i % m];
    return blackFormula(c.type, c.k, F, c.vol * std::sqrt(c.t), std::exp(-r * c.t));
  });
  // Implied std dev (Newton-safe inside QuantLib), asked for 1e-12 absolute in σ√T (the default 1e-6 is far coarser
  // than our machine-precision answer); the same discounted premiums as our iv_ns.
  double worstIv = 0;
  long failures = 0;
  for (const Case& c : cases) {
    try {
      double sd = blackFormulaImpliedStdDev(c.type, c.k, F, c.price, std::exp(-r * c.t), 0.0, Null<Real>(), 1e-12, 100);
      worstIv = std::max(worstIv, std::fabs(sd / std::sqrt(c.t) / c.vol - 1));
    } catch (...) { failures++; }
  }
  double ivNs = nsPerOp(20000, 5, [&](long i) {
    const Case& c = cases[i % m];
    try {
      return blackFormulaImpliedStdDev(c.type, c.k, F, c.price, std::exp(-r * c.t), 0.0, Null<Real>(), 1e-12, 100);
    } catch (...) { return 0.0; }
  });
  double sabrNs = nsPerOp(400000, 5, [&](long i) {
    return static_cast<double>(sabrVolatility(k0 + dk * double(i % sN), F, st, sa, sb, sn, sr));
  });
  // 41-strike SABR fit, β fixed, α ρ ν free, vega-weighted, QuantLib's default start and Levenberg–Marquardt.
  double worstRmse = 0;
  auto fit = [&](long i) {
    const long j = i % nSmiles;
    SABRInterpolation sabr(strikes.begin(), strikes.end(), smiles[j].begin(), smileT[j], F,
                           Null<Real>(), 1.0, Null<Real>(), Null<Real>(), false, true, false, false, true);
    sabr.update();
    worstRmse = std::max(worstRmse, static_cast<double>(sabr.rmsError()));
    return static_cast<double>(sabr.rho());
  };
  double fitUs = nsPerOp(400, 5, fit) / 1000.0;

  std::printf("{\"version\":\"%s\"}\n", QL_VERSION);
  figure("quantlib_b76_price_greeks_ns", greeksNs, "ns");
  figure("quantlib_b76_price_ns", priceNs, "ns");
  figure("quantlib_iv_ns", ivNs, "ns");
  figure("quantlib_sabr_vol_ns", sabrNs, "ns");
  figure("quantlib_sabr_fit_41_us", fitUs, "us");
  std::printf("{\"diagnostic\":\"iv_worst_rel_error\",\"value\":%.3g,\"failures\":%ld}\n", worstIv, failures);
  std::printf("{\"diagnostic\":\"fit_worst_rms_vol\",\"value\":%.3g}\n", worstRmse);
  return 0;
}
