/**
 * @module The shipped charges schedule (NSE index options through Upstox), as the CSV text an operator can copy to
 * `DATA_DIR/charges.csv` and edit: a rate change is a data edit (close the old row's period, add a row). Parsed and
 * checked by actors/domain/charges.ts (gaps, overlaps and bad rates are refused with the line at fault); loaded at
 * boot by runtime/charges-schedule.ts, which prefers `DATA_DIR/charges.csv` when it exists.
 *
 * Research notes (facts, Dec 2026; sources in each row):
 * - STT on options: 0.1 % of premium on sale from 1 Oct 2024 (Finance (No. 2) Act 2024); 0.15 % from 1 Apr 2026
 *   (Finance Act 2026, Budget of 1 Feb 2026), and on exercise 0.125 % → 0.15 % of the intrinsic value. Only the
 *   holder of an exercised (in-the-money, long) option pays exercise STT; a short assigned at expiry pays none, and
 *   Upstox levies no other charge on an exchange-settled contract.
 * - NSE transaction charge on equity options ₹35.03 per lakh of premium from 1 Oct 2024 (SEBI's uniform MII charges,
 *   circular 1 Jul 2024); SEBI fee ₹10 per crore; NSE IPFT ₹0.50 per lakh of premium (some brokers fold it into the
 *   transaction charge: 0.03503 % + 0.0005 % = 0.03553 %); stamp duty 0.003 % of premium on buys.
 * - GST 18 % on brokerage + transaction charges + SEBI fee (Upstox help article 257195); Upstox states GST is not
 *   applicable to IPFT (help article 260397), so IPFT stays out of the base (other brokers tax it: a data edit).
 * - Upstox brokerage on equity options: flat ₹20 per executed order (each freeze slice is an order).
 */

export const SHIPPED_CHARGES_FILE = 'actors/domain/data/charges-schedule.ts (built in)';

export const SHIPPED_CHARGES_CSV = `# VolGuard charges schedule: NSE index options traded through Upstox. One row per component, side and period.
# A rate change is a new row: close the old row with \`until\` (the day before) and start the new one the next day.
# Periods of one component and side must neither overlap nor leave a gap; rates are never negative.
# Columns:
#   component  brokerage | stt | stt_exercise | exchange_txn | sebi_fee | ipft | stamp_duty | gst
#   side       buy | sell | any (the fill's side); exercise (stt_exercise); charges (gst)
#   basis      order: rupees per executed order | premium: fraction of premium turnover (price x quantity)
#              intrinsic: fraction of the intrinsic value exercised | a+b+c: fraction of those components (gst)
#   from,until IST dates, inclusive; an empty until = in force until further notice
#   rate       rupees for basis order, else a fraction (0.001 = 0.1 %)
#   source     the rest of the line
component,side,basis,from,until,rate,source
brokerage,any,order,2024-10-01,,20,Upstox pricing: flat Rs 20 per executed order (equity options)
stt,sell,premium,2024-10-01,2026-03-31,0.001,Finance (No. 2) Act 2024: 0.1 % of option premium on sale from 1 Oct 2024
stt,sell,premium,2026-04-01,,0.0015,Finance Act 2026 (Budget 1 Feb 2026): 0.15 % of option premium on sale from 1 Apr 2026
stt_exercise,exercise,intrinsic,2024-10-01,2026-03-31,0.00125,Finance Act 2016 basis: 0.125 % of the intrinsic value of an exercised option
stt_exercise,exercise,intrinsic,2026-04-01,,0.0015,Finance Act 2026 (Budget 1 Feb 2026): 0.15 % of the intrinsic value of an exercised option from 1 Apr 2026
exchange_txn,any,premium,2024-10-01,,0.0003503,NSE circular 27 Sep 2024: equity options Rs 35.03 per lakh of premium from 1 Oct 2024 (SEBI uniform MII charges)
sebi_fee,any,premium,2024-10-01,,0.000001,SEBI turnover fee Rs 10 per crore
ipft,any,premium,2024-10-01,,0.000005,NSE Investor Protection Fund Trust Rs 0.50 per lakh of premium (equity options); no GST (Upstox help 260397)
stamp_duty,buy,premium,2024-10-01,,0.00003,Indian Stamp Act (uniform from 1 Jul 2020): 0.003 % of premium on the buy side (options)
gst,charges,brokerage+exchange_txn+sebi_fee,2024-10-01,,0.18,GST 18 % on brokerage + exchange transaction charges + SEBI fee (Upstox help 257195)
`;
