/**
 * WebSocket frames by hand (RFC 6455 §5.2), so a test can send what no well-behaved client
 * would: reserved bits and opcodes, unmasked frames, lying lengths, broken UTF-8, bad close
 * codes. And a reader for the server's (unmasked) frames.
 */

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  readonly opcode: number;
  readonly payload: Buffer;
  readonly fin?: boolean;
  /** The three RSV bits as a number 0–7 (any but 0 is a protocol error without an extension). */
  readonly rsv?: number;
  /** Clients must mask; false sends an unmasked frame (a protocol error). */
  readonly masked?: boolean;
  /** Claim this payload length instead of the real one (the bytes sent stay `payload`). */
  readonly declaredLength?: bigint;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const { opcode, payload, fin = true, rsv = 0, masked = true } = spec;
  const length = spec.declaredLength ?? BigInt(payload.length);
  const first = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, maskBit | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const body = Buffer.from(payload.map((byte, i) => byte ^ (key[i % 4] ?? 0)));
  return Buffer.concat([header, key, body]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code & 0xffff);
  return Buffer.concat([payload, Buffer.from(reason, 'utf8')]);
}

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Splits the server's bytes into frames; incomplete trailing bytes wait for more. */
export class FrameReader {
  private buffered = Buffer.alloc(0);
  readonly frames: ServerFrame[] = [];

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const frame = this.next();
      if (frame === undefined) return;
      this.frames.push(frame);
    }
  }

  /** The close frame's code, if the server sent one. */
  closeCode(): number | undefined {
    const close = this.frames.find((frame) => frame.opcode === OPCODE.close);
    return close === undefined || close.payload.length < 2 ? undefined : close.payload.readUInt16BE(0);
  }

  texts(): string[] {
    return this.frames.filter((frame) => frame.opcode === OPCODE.text).map((frame) => frame.payload.toString('utf8'));
  }

  private next(): ServerFrame | undefined {
    const bytes = this.buffered;
    if (bytes.length < 2) return undefined;
    const opcode = (bytes[0] ?? 0) & 0x0f;
    let length = (bytes[1] ?? 0) & 0x7f;
    let at = 2;
    if (length === 126) {
      if (bytes.length < 4) return undefined;
      length = bytes.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return undefined;
      length = Number(bytes.readBigUInt64BE(2));
      at = 10;
    }
    if (bytes.length < at + length) return undefined;
    this.buffered = bytes.subarray(at + length);
    return { opcode, payload: bytes.subarray(at, at + length) };
  }
}
