// Opens a room through the gateway with an API key, sends a message and prints the echo.
//   node examples/websocket/client.mjs <api-key> [ws://127.0.0.1:8080/v1/rooms/lobby/socket] [origin]
import { WebSocket } from 'undici';

const [key, url = 'ws://127.0.0.1:8080/v1/rooms/lobby/socket', origin] = process.argv.slice(2);
const ws = new WebSocket(url, { headers: { 'x-api-key': key ?? '', ...(origin === undefined ? {} : { origin }) } });
ws.addEventListener('open', () => ws.send('hello through the gateway'));
ws.addEventListener('message', (event) => {
  console.log(`echo: ${event.data}`);
  ws.close(1000);
});
ws.addEventListener('close', (event) => console.log(`closed: ${event.code} ${event.reason}`));
ws.addEventListener('error', () => console.log('handshake refused (run with a valid key, and an allowed origin if any)'));
