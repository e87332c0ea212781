/**
 * Static-IP pre-flight: the registered addresses against this machine's egress address, where it can be known —
 * never guessed. Verdicts by hand for each case; egress found through an echo URL or the route to the order host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { egressAddress, isPrivateAddress, judgeStaticIp, normaliseIp } from './static-ip.ts';

test('verdicts: match, mismatch (fails, says what Upstox will do), unregistered, unknown egress (warns, never guesses), unreadable', () => {
  const reg = { primary: '203.0.113.10', secondary: '198.51.100.7' };
  const known = (ip: string) => ({ known: true as const, ip, how: 'test' });
  assert.deepEqual([judgeStaticIp(reg, known('198.51.100.7')).verdict, judgeStaticIp(reg, known('198.51.100.7')).ok], ['match', true]);
  const bad = judgeStaticIp(reg, known('192.0.2.55'));
  assert.deepEqual([bad.verdict, bad.ok, bad.warning], ['mismatch', false, false]);
  assert.match(bad.detail, /expected this machine's egress address among the registered static IPs \(203\.0\.113\.10, 198\.51\.100\.7\), was 192\.0\.2\.55.*UDAPI1154/);
  const none = judgeStaticIp({ primary: null, secondary: null }, known('192.0.2.55'));
  assert.deepEqual([none.verdict, none.ok], ['unregistered', false]);
  const unknown = judgeStaticIp(reg, { known: false, why: 'behind NAT' });
  assert.deepEqual([unknown.verdict, unknown.ok, unknown.warning], ['unknown', true, true]);
  assert.match(unknown.detail, /egress address is unknown \(behind NAT\)/);
  const err = judgeStaticIp(new Error('HTTP 500'), known('192.0.2.55'));
  assert.deepEqual([err.verdict, err.ok], ['error', false]);
  // IPv4-mapped IPv6 is the same address.
  assert.equal(judgeStaticIp({ primary: '127.0.0.1', secondary: null }, known('::ffff:127.0.0.1')).verdict, 'match');
});

test('private, loopback, CGNAT and link-local addresses are not what the world sees', () => {
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '100.64.0.1', '169.254.1.1', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) assert.equal(isPrivateAddress(ip), true, ip);
  for (const ip of ['203.0.113.10', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2001:db8::1']) assert.equal(isPrivateAddress(ip), false, ip);
  assert.equal(normaliseIp(' ::FFFF:127.0.0.1 '), '127.0.0.1');
});

test('egress from UPSTOX_EGRESS_IP_URL: the answer when it is an address; unknown (with why) otherwise', async () => {
  let answer = '203.0.113.10\n';
  const server = createServer((_req, res) => { res.end(answer); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`;
  try {
    const e = await egressAddress({ orderHost: 'https://api-hft.upstox.com', echoUrl: url, timeoutMs: 2000 });
    assert.deepEqual(e, { known: true, ip: '203.0.113.10', how: `as seen by ${new URL(url).host} (UPSTOX_EGRESS_IP_URL)` });
    answer = '<html>blocked</html>';
    const bad = await egressAddress({ orderHost: 'https://api-hft.upstox.com', echoUrl: url, timeoutMs: 2000 });
    assert.equal(bad.known, false);
    assert.match(bad.known ? '' : bad.why, /not an IP address/);
  } finally {
    server.close();
  }
});

test('egress from the route: an order host on this network sees the route\'s source; an unresolvable host is unknown', async () => {
  const local = await egressAddress({ orderHost: 'http://127.0.0.1:9', timeoutMs: 2000 });
  assert.deepEqual(local.known ? local.ip : local.why, '127.0.0.1');
  const offline = await egressAddress({ orderHost: 'https://api-hft.upstox.invalid', timeoutMs: 2000 });
  assert.equal(offline.known, false);
  assert.match(offline.known ? '' : offline.why, /cannot resolve api-hft\.upstox\.invalid/);
});
