import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, ConnectConfig } from 'ssh2';
import { connect as connectWith, run, type Result } from './ssh-harness.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { World, type WorldContainer } from '../../src/sandbox/core/world.js';
import { createNodeSsh, type NodeSsh } from '../../src/sandbox/ssh/node-ssh.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

const clientKey = generateEd25519KeyPair();
const strangerKey = generateEd25519KeyPair();
const hostKey = generateEd25519KeyPair();

const connect = (port: number, config: Partial<ConnectConfig> = {}): Promise<Client> => connectWith(port, clientKey.private, config);

function container(vmid: number, overrides: Partial<WorldContainer> = {}): WorldContainer {
  return { vmid, node: 'node1', status: 'running', ip: null, hostname: `ct${vmid}.example.test`, files: new Map(), ...overrides };
}

describe('the node SSH endpoint', () => {
  const world = new World();
  const faults = new Faults();
  let server: NodeSsh;
  let port: number;
  let client: Client;

  before(async () => {
    world.containers.set(101, container(101));
    world.containers.set(102, container(102, { status: 'stopped' }));
    world.containers.set(201, container(201, { node: 'node2' }));
    server = createNodeSsh({ world, faults, latency: new Latency(0), hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
    port = (await server.listen(0)).port;
    client = await connect(port);
  });
  after(async () => {
    client.end();
    await server.close();
  });

  it('runs a command in a running container with pct exec', async () => {
    assert.deepEqual(await run(client, 'pct exec 101 -- echo ready'), { stdout: 'ready\n', stderr: '', code: 0 });
  });

  it('rejects a key that is not authorised', async () => {
    await assert.rejects(connect(port, { privateKey: strangerKey.private }), /All configured authentication methods failed/);
  });

  it('rejects passwords and users other than root', async () => {
    await assert.rejects(connect(port, { privateKey: undefined, password: 'hunter2' }), /All configured authentication methods failed/);
    await assert.rejects(connect(port, { username: 'admin' }), /All configured authentication methods failed/);
  });

  it('answers an unknown container the way pct does', async () => {
    assert.deepEqual(await run(client, 'pct exec 999 -- true'), {
      stdout: '',
      stderr: "Configuration file 'nodes/localhost/lxc/999.conf' does not exist\n",
      code: 255,
    });
  });

  it('refuses a stopped container the way pct does', async () => {
    assert.deepEqual(await run(client, 'pct exec 102 -- echo ready'), { stdout: '', stderr: "container '102' not running!\n", code: 255 });
  });

  it('validates the vmid and needs a command', async () => {
    const bad = await run(client, 'pct exec abc -- true');
    assert.equal(bad.code, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\nvmid: type check \('integer'\) failed - got 'abc'\n/);
    assert.deepEqual(await run(client, 'pct exec 101'), { stdout: '', stderr: 'missing command\n', code: 255 });
  });

  it('sees only its own node when it serves one', async () => {
    const node1 = createNodeSsh({ world, faults, latency: new Latency(0), hostKey: hostKey.private, authorizedKeys: [clientKey.public], node: 'node1' });
    const other = await connect((await node1.listen(0)).port);
    try {
      assert.equal((await run(other, 'pct exec 101 -- hostname')).stdout, 'ct101.example.test\n');
      assert.deepEqual(await run(other, 'pct exec 201 -- true'), {
        stdout: '', stderr: "Configuration file 'nodes/node1/lxc/201.conf' does not exist\n", code: 255,
      });
    } finally {
      other.end();
      await node1.close();
    }
  });

  it('never executes shell metacharacters inside arguments', async () => {
    const quoted = await run(client, `pct exec 101 -- echo 'a; touch /pwned' '$(id)' '\`id\`' "x|y"`);
    assert.deepEqual(quoted, { stdout: 'a; touch /pwned $(id) `id` x|y\n', stderr: '', code: 0 });
    const chained = await run(client, 'pct exec 101 -- true; echo leaked');
    assert.equal(chained.code, 2);
    assert.equal(chained.stdout, '');
    assert.match(chained.stderr, /^bash: -c: line 1: the operator ';' is not supported/);
    const substituted = await run(client, 'pct exec 101 -- echo "$(id)"');
    assert.equal(substituted.code, 2);
    assert.match(substituted.stderr, /command substitution/);
    assert.equal(world.containers.get(101)?.files.has('/pwned'), false);
  });

  it('answers an unterminated quote as bash does', async () => {
    assert.deepEqual(await run(client, `pct exec 101 -- echo "oops`), {
      stdout: '', stderr: "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n", code: 2,
    });
  });

  it('reports unknown programs with exit 127', async () => {
    const direct = await run(client, 'pct exec 101 -- nosuch --flag');
    assert.equal(direct.code, 127);
    assert.match(direct.stderr, /Failed to exec "nosuch"/);
    const scripted = await run(client, 'pct exec 101 -- bash -s', 'true\nnosuch\necho never\n');
    assert.deepEqual(scripted, { stdout: '', stderr: 'bash: line 2: nosuch: command not found\n', code: 127 });
  });

  it('stops a script at its first failing line, with that line\'s status', async () => {
    const script = '#!/bin/bash\nset -euo pipefail\necho one\ntest -f /etc/nope\necho two\n';
    assert.deepEqual(await run(client, 'pct exec 101 -- bash -s', script), { stdout: 'one\n', stderr: '', code: 1 });
    assert.deepEqual(await run(client, 'pct exec 101 -- bash -s', 'echo a\nexit 3\necho b\n'), { stdout: 'a\n', stderr: '', code: 3 });
  });

  it('passes parameters as environment, never as script text', async () => {
    const value = `x'; echo injected; '`;
    const result = await run(client, `pct exec 101 -- env NAME=${ssh2Quote(value)} bash -s`, 'echo "$NAME"\n');
    assert.deepEqual(result, { stdout: `${value}\n`, stderr: '', code: 0 });
  });

  it('reads files and tests paths inside the container', async () => {
    world.containers.get(101)?.files.set('/etc/motd', 'hello\n');
    assert.deepEqual(await run(client, 'pct exec 101 -- cat /etc/motd'), { stdout: 'hello\n', stderr: '', code: 0 });
    assert.deepEqual(await run(client, 'pct exec 101 -- cat /nope'), { stdout: '', stderr: 'cat: /nope: No such file or directory\n', code: 1 });
    assert.equal((await run(client, 'pct exec 101 -- test -d /etc')).code, 0);
    assert.equal((await run(client, 'pct exec 101 -- test -f /etc')).code, 1);
    assert.equal((await run(client, 'pct exec 101 -- test -e /etc/motd')).code, 0);
    assert.equal((await run(client, 'pct exec 101 -- sh -c "test -e /etc/motd"')).code, 0);
  });

  it('refuses an interactive shell politely', async () => {
    const outcome = await new Promise<Result>((resolve, reject) => {
      client.shell(false, (error, stream) => {
        if (error !== undefined) return reject(error);
        const result: Result = { stdout: '', stderr: '', code: undefined };
        stream.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
        stream.on('data', () => undefined);
        stream.on('exit', (code: number) => (result.code = code));
        stream.on('close', () => resolve(result));
      });
    });
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /runs commands only/);
  });

  it('turns a status fault into that exit code and message', async () => {
    faults.inject({ op: 'ssh.exec', kind: 'status', status: 255, message: 'ssh: connect to host node1 port 22: Connection refused' });
    assert.deepEqual(await run(client, 'pct exec 101 -- true'), {
      stdout: '', stderr: 'ssh: connect to host node1 port 22: Connection refused\n', code: 255,
    });
    assert.equal((await run(client, 'pct exec 101 -- true')).code, 0);
  });

  it('aims a fault at one program inside the container (ssh.ct.<program>), through env too', async () => {
    faults.inject({ op: 'ssh.ct.bash', kind: 'status', status: 100, message: 'E: Unable to locate package nginx', times: 2 });
    assert.deepEqual(await run(client, 'pct exec 101 -- echo ready'), { stdout: 'ready\n', stderr: '', code: 0 }, 'other programs are spared');
    assert.deepEqual(await run(client, 'pct exec 101 -- env -i PATH=/usr/bin SITE=x /bin/bash -s', 'echo never\n'), {
      stdout: '', stderr: 'E: Unable to locate package nginx\n', code: 100,
    });
    assert.equal((await run(client, 'pct exec 101 -- bash -c true')).code, 100);
    assert.equal((await run(client, 'pct exec 101 -- bash -c true')).code, 0, 'the rule is spent');
    faults.inject({ op: 'ssh.*', kind: 'status', status: 7 });
    assert.equal((await run(client, 'pct exec 101 -- true')).code, 7);
    assert.equal((await run(client, 'pct exec 101 -- true')).code, 0, 'one command spends a rule matching both operations once');
    assert.equal(faults.counts()['ssh.ct.bash']?.faulted, 2);
  });

  it('delays a command by a latency fault', async () => {
    faults.inject({ op: 'ssh.exec', kind: 'latency', latencyMs: 150 });
    const started = Date.now();
    assert.equal((await run(client, 'pct exec 101 -- true')).code, 0);
    assert.ok(Date.now() - started >= 140, 'the fault added its latency');
  });

  it('refuses compound commands in scripts rather than guessing', async () => {
    const result = await run(client, 'pct exec 101 -- bash -s', 'echo start\nif true; then echo yes; fi\n');
    assert.equal(result.code, 2);
    assert.equal(result.stdout, 'start\n');
    assert.match(result.stderr, /^bash: line 2: 'if': compound commands .* not supported/);
    const dash = await run(client, 'pct exec 101 -- sh -c nosuch');
    assert.deepEqual(dash, { stdout: '', stderr: 'sh: 1: nosuch: not found\n', code: 127 });
  });

  it('drops the connection on a reset fault', async () => {
    const victim = await connect(port);
    faults.inject({ op: 'ssh.exec', kind: 'reset' });
    const closed = new Promise<void>((resolve) => victim.once('close', () => resolve()));
    victim.on('error', () => undefined);
    const outcome: Result | Error = await run(victim, 'pct exec 101 -- echo ready').catch((error: Error) => error);
    await closed;
    assert.ok(outcome instanceof Error || outcome.code === undefined, 'no exit status arrives');
  });

  it('never answers on a timeout fault', async () => {
    const victim = await connect(port);
    faults.inject({ op: 'ssh.exec', kind: 'timeout' });
    const answer = run(victim, 'pct exec 101 -- echo ready');
    const winner = await Promise.race([answer.then(() => 'answered'), new Promise((r) => setTimeout(() => r('timed out'), 300))]);
    assert.equal(winner, 'timed out');
    victim.end();
    await answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(faults.counts()['ssh.exec']?.inFlight, 0, 'the abandoned exec ends when the client goes');
  });

  it('counts exec calls and the most in flight, overall and per node', async () => {
    const latency = new Latency(0.1);
    const counted = new Faults();
    const busy = createNodeSsh({ world, faults: counted, latency, hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
    const other = await connect((await busy.listen(0)).port);
    try {
      const results = await Promise.all([101, 101, 101, 201].map((vmid) => run(other, `pct exec ${vmid} -- sleep 1`)));
      assert.deepEqual(results.map((r) => r.code), [0, 0, 0, 0]);
      const overall = counted.counts()['ssh.exec'];
      assert.equal(overall?.calls, 4);
      assert.equal(overall?.maxInFlight, 4);
      assert.equal(overall?.inFlight, 0);
      const perNode = busy.nodeCounts();
      assert.deepEqual(perNode.node1, { calls: 3, inFlight: 0, maxInFlight: 3, faulted: 0 });
      assert.deepEqual(perNode.node2, { calls: 1, inFlight: 0, maxInFlight: 1, faulted: 0 });
    } finally {
      other.end();
      await busy.close();
    }
  });
});

/** Single-quote for the remote shell, as a client must (`'` → `'\''`). */
function ssh2Quote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}
