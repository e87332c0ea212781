/**
 * @module The shipped event calendar: days when option sellers get hurt, and what the strategy does about them. The
 * operator's `DATA_DIR/event-calendar.csv` (same format) replaces it entirely when present (events.ts).
 *
 * Format, one event a line (`#` starts a comment):
 *   date,kind,action,underlyings,provisional,note
 *   date          YYYY-MM-DD, the IST day of the event
 *   kind          a lower-case word: rbi_mpc, budget, index_rebalance, election_result, … (shown and journaled)
 *   action        skip_entries  no new structures on that day
 *                 halve_size    entries on that day at half the lots (floor; none when that is 0)
 *                 close_before  close the structures exposed to it (expiring on or after the date) from
 *                               STRATEGY_EVENT_CLOSE_TIME on the previous trading day, and no entries from then
 *                               through the day itself
 *   underlyings   * or NIFTY|BANKNIFTY (a `|`-separated list)
 *   provisional   yes when the date is an estimate (not yet announced); no when it is published
 *   note          free text (the rest of the line)
 *
 * Sources (read Dec 2026):
 * - RBI MPC FY 2025-26 schedule (RBI press release of 26 Mar 2025, reported by Business Standard, Mint, Moneycontrol):
 *   the last meeting of that year was 4–6 Feb 2026, the decision announced on the third day. The FY 2026-27 schedule
 *   was not found in our sources: those dates follow the RBI's usual pattern (early Apr, early Jun, early Aug, end
 *   Sep/1 Oct, early Dec, early Feb; decision on the third day) and are PROVISIONAL — replace them with the RBI's list.
 * - Union Budget: presented on 1 February every year since 2017 (2026: a Sunday; 2027: Monday 1 Feb 2027, not yet
 *   notified, so provisional).
 * - Index rebalancing: NSE Indices' reconstitution calendar — Nifty 50 (and Nifty Bank) changes take effect on the
 *   last working day of March and September (niftyindices.com, index rebalancing schedule). 31 Mar 2026 is an NSE
 *   holiday (Mahavir Jayanti), so 30 Mar; 2027's holiday list is provisional, so its date is too.
 */
export const SHIPPED_EVENT_CALENDAR = `# date,kind,action,underlyings,provisional,note
2026-02-01,budget,close_before,*,no,Union Budget 2026-27 (Sunday 1 Feb 2026)
2026-02-06,rbi_mpc,skip_entries,*,no,RBI MPC decision (meeting 4-6 Feb 2026)
2026-03-30,index_rebalance,halve_size,*,no,Nifty indices semi-annual reconstitution (last working day of March; 31 Mar is a holiday)
2026-04-08,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #1 (estimated from the usual schedule)
2026-06-05,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #2 (estimated)
2026-08-06,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #3 (estimated)
2026-09-30,index_rebalance,halve_size,*,no,Nifty indices semi-annual reconstitution (last working day of September)
2026-10-01,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #4 (estimated)
2026-12-04,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #5 (estimated)
2027-02-01,budget,close_before,*,yes,Union Budget 2027-28 (1 Feb by convention; not yet notified)
2027-02-05,rbi_mpc,skip_entries,*,yes,RBI MPC decision FY27 #6 (estimated)
2027-03-31,index_rebalance,halve_size,*,yes,Nifty indices semi-annual reconstitution (2027 holiday list provisional)
`;
