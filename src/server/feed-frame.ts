/**
 * Server → client WebSocket frames built once and written as they are (RFC 6455 §5.2).
 * A server's frames are never masked, so the bytes of one message are the same for every
 * subscriber: the feed builds each transition's frame once and hands the same Buffer to all.
 */

const FIN = 0x80;
const OPCODE_TEXT = 0x1;
/** Payload lengths up to this fit the 7-bit length field. */
const SHORT_LENGTH_MAX = 125;
const LENGTH_16 = 126;
const LENGTH_64 = 127;

/** One unfragmented text frame carrying `payload` (UTF-8), header and payload in one Buffer. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length <= SHORT_LENGTH_MAX ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN | OPCODE_TEXT;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    // A 64-bit length; Buffers cannot reach 2^53, so the top 16 bits are always zero.
    frame.writeUInt16BE(0, 2);
    frame.writeUIntBE(length, 4, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** The text frame of a JSON message. */
export const jsonFrame = (message: unknown): Buffer => textFrame(Buffer.from(JSON.stringify(message)));
