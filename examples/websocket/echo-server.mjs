// A WebSocket echo service with no dependency (RFC 6455 server side, text and binary frames), to
// stand for your own service behind the gateway:  node examples/websocket/echo-server.mjs 3001
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const port = Number(process.argv[2] ?? 3001);

function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}

const server = createServer((_req, res) => { res.writeHead(426, { upgrade: 'websocket' }); res.end(); });
server.on('upgrade', (req, socket) => {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
  console.log(`joined ${req.url} as ${req.headers['x-gatehouse-subject'] ?? 'someone'} from ${req.headers['x-forwarded-for']}`);
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      let length = buffered[1] & 0x7f;
      let offset = 2;
      if (length === 126) { length = buffered.readUInt16BE(2); offset = 4; } else if (length === 127) { length = Number(buffered.readBigUInt64BE(2)); offset = 10; }
      if (buffered.length < offset + 4 + length) return;
      const mask = buffered.subarray(offset, offset + 4);
      const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length)).map((b, i) => b ^ mask[i % 4]);
      const opcode = buffered[0] & 0x0f;
      buffered = buffered.subarray(offset + 4 + length);
      if (opcode === 8) { socket.end(frame(8, Buffer.from(payload.subarray(0, 2)))); return; }
      if (opcode === 1 || opcode === 2) socket.write(frame(opcode, Buffer.from(payload)));
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(port, '127.0.0.1', () => console.log(`echo service on ws://127.0.0.1:${port}`));
