/**
 * Reads the frame headers of one direction of a WebSocket connection as its bytes pass through
 * (RFC 6455 §5.2), without copying or re-framing them: enough to measure each message and to
 * refuse frames no endpoint may send. The payload is skipped, never unmasked or buffered.
 */
export type FrameVerdict = 'ok' | 'too_large' | 'protocol_error';

export class FrameMeter {
  /** Header bytes of the frame being read (at most 14). */
  private readonly header = Buffer.alloc(14);
  private headerHave = 0;
  private headerNeed = 2;
  /** Payload bytes of the current frame still to pass. */
  private payloadLeft = 0;
  /** Size of the data message under way (its frames so far); -1 between messages. */
  private message = -1;

  /**
   * `fromClient`: client frames must be masked, server frames must not be (§5.1). No extension is
   * negotiated (the gateway removes Sec-WebSocket-Extensions), so RSV bits must be 0 (§5.2).
   */
  constructor(private readonly maxMessageBytes: number, private readonly fromClient: boolean) {}

  feed(chunk: Buffer): FrameVerdict {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= take;
        i += take;
        continue;
      }
      this.header[this.headerHave++] = chunk[i++] as number;
      if (this.headerHave === 2) {
        const b1 = this.header[1] as number;
        const len7 = b1 & 0x7f;
        this.headerNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
      }
      if (this.headerHave < this.headerNeed) continue;
      const verdict = this.frame();
      if (verdict !== 'ok') return verdict;
      this.headerHave = 0;
      this.headerNeed = 2;
    }
    return 'ok';
  }

  private frame(): FrameVerdict {
    const b0 = this.header[0] as number;
    const b1 = this.header[1] as number;
    if ((b0 & 0x70) !== 0) return 'protocol_error';
    if (((b1 & 0x80) !== 0) !== this.fromClient) return 'protocol_error';
    const len7 = b1 & 0x7f;
    let length: number;
    if (len7 === 126) length = this.header.readUInt16BE(2);
    else if (len7 === 127) {
      const high = this.header.readUInt32BE(2);
      // Over 2^53 cannot be a real message; over any sane limit anyway.
      if (high > 0x1fffff) return 'too_large';
      length = high * 2 ** 32 + this.header.readUInt32BE(6);
    } else length = len7;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= 8) {
      // Control frames: short and never fragmented (§5.5); not part of any message.
      if (!fin || length > 125 || opcode > 10) return 'protocol_error';
    } else if (opcode === 0) {
      if (this.message === -1) return 'protocol_error';
      this.message += length;
    } else if (opcode === 1 || opcode === 2) {
      if (this.message !== -1) return 'protocol_error';
      this.message = length;
    } else {
      return 'protocol_error';
    }
    if (opcode < 8) {
      if (this.message > this.maxMessageBytes) return 'too_large';
      if (fin) this.message = -1;
    }
    this.payloadLeft = length;
    return 'ok';
  }
}

/** A close frame from the server side (unmasked, §5.5.1) with a status code (§7.4.1). */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/** The same, masked, as a client must send it (§5.3): what the gateway sends the upstream. */
export function maskedCloseFrame(code: number): Buffer {
  const frame = Buffer.alloc(8);
  frame[0] = 0x88;
  frame[1] = 0x80 | 2;
  // A zero mask is a valid mask; the payload is the code as is.
  frame.writeUInt16BE(code, 6);
  return frame;
}
