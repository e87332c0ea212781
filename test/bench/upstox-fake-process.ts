/**
 * @module The Upstox fake of `npm run bench -- upstox`, in a process of its own: the real broker is remote, so its
 * work (protobuf frames every 100 ms for every subscribed key, REST answers) must not run on the event loop of the
 * system under test, as it did when the fake shared the bench's main thread. Prints `{"url"}` once listening;
 * exits when its parent closes stdin.
 */
import { startFakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';

const token = process.argv[2];
if (token === undefined || token.length === 0) {
  process.stderr.write('upstox-fake-process: expected the access token as the first argument\n');
  process.exit(2);
}
const fake = await startFakeUpstox({ port: 0, token, liveIntervalMs: 100, market: new DeterministicMarket({ nowMs: Date.now(), calm: true }) });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
process.stdin.resume();
