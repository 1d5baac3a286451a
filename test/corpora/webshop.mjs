// Benign web-shop traffic as raw requests (the shape `gatehouse detect` reads): browsing, search, cart,
// registration, login, checkout, reviews, in Spanish and English, with the headers browsers and proxies
// send (User-Agent, Referer, cookies, X-Forwarded-*). Written by hand from made-up vocabulary, seeded, so
// `node test/corpora/webshop.mjs` rewrites webshop.jsonl identically. Like probes.jsonl it is a TEST set for
// false positives: never tune a detector on a line of it.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let seed = 0x5eed2101;
function rnd() { // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

const FIRST = ['María', 'José', 'Lucía', 'Íñigo', 'Begoña', 'Ramón', 'Nuria', 'Jesús', 'Ana Belén', 'Pedro', 'Carmen', 'Xabier', 'Montserrat',
  'Álvaro', 'Rocío', 'Sergio', 'Ainhoa', 'Jordi', 'Mercè', 'Óscar', 'Emma', 'Liam', "D'Arcy", 'Zoë', 'Noah', 'Chloé', 'Seán', 'Mary-Kate'];
const LAST = ['García', 'Fernández', 'López Martín', 'Núñez', 'de la Fuente', 'Iturriaga', 'Puig i Serra', 'Ordóñez', 'Del Río', "O'Donnell",
  'Sánchez-Vicario', 'Muñoz', 'Echeverría', 'Gil', 'Peña', 'Smith', "D'Souza", 'Van Dyke', 'Mac Giolla', 'Ó Briain'];
const STREETS = ['Calle Mayor', 'C/ Alcalá', 'Avda. de la Constitución', 'Plaza del Pilar', 'Paseo de Gracia', 'Camino Viejo', 'Rúa do Franco',
  'Carrer de Balmes', 'Gran Vía', 'Ronda de Segovia', 'Travesía del Conde', 'Main Street', 'High St', "King's Road", 'Union Square'];
const CITIES = ['Madrid', 'Barcelona', 'A Coruña', 'Logroño', 'Cádiz', 'L\'Hospitalet de Llobregat', 'San Sebastián', 'Ávila', 'Dublin', 'London'];
const PROVINCES = ['Madrid', 'Barcelona', 'A Coruña', 'La Rioja', 'Cádiz', 'Gipuzkoa', 'Ávila', 'Asturias'];
const PRODUCTS = ['Jamón ibérico', 'Queso manchego curado', 'Aceite de oliva virgen extra 1L', 'Vino tinto Rioja (crianza)', 'Turrón de Jijona',
  'Zapatillas "Runner" talla 42', 'Camiseta 100% algodón', 'Sartén 28 cm - antiadherente', 'Auriculares BT 5.0', 'Funda iPhone 15 Pro',
  'Cable USB-C a USB-C (2 m)', "Men's T-shirt, size L", 'Café en grano 1kg', 'Mesa de centro 120x60', 'Libro: "Cien años de soledad"'];
const SEARCH = ['zapatillas', 'vino rioja', 'jamón', 'regalo navidad', 'oferta 2x1', 'cafetera italiana', 'camiseta azul talla m', 'select',
  'sartén 28cm', 'auriculares & altavoces', 'turrón blando/duro', 'pack 3+1', 'mesa 120x60', 'queso - curado', 'usb c', 'rock & roll',
  'mochila 20l', 'gafas de sol', 'o\'neill', 'drop shipping', 'Tom & Jerry', 'tinto o blanco', 'libros de cocina', '¿envío gratis?'];
const COMMENTS = [
  'Muy buen producto, llegó en 2 días.', 'No me gustó el color; lo devolveré.', 'Perfecto para regalo :)', 'La talla es pequeña, pedid una más.',
  'Calidad/precio excelente!!!', 'Envío rápido & bien embalado', 'Great value - would buy again', "It's OK, nothing special.",
  'Select the larger size, trust me', 'Llegó roto :( pero me lo cambiaron', '5/5 recomendado', '¿Tienen en color rojo?', 'Me encanta <3',
  'Funciona con Windows y Mac', 'Lo uso a diario -- genial', 'El sabor es 10/10, el precio 7/10', 'Pedido #4521: falta 1 unidad',
  'Drop me an email when it is back in stock', 'C:\\ drive full? no, this is a coffee review :)', 'Precio: 12,50 € (antes 15 €)',
];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15',
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Konqueror/4.5; Linux) KHTML/4.5.4 (like Gecko)', 'Opera/9.80 (X11; Linux i686; U; es-ES) Presto/2.2.15 Version/10.10',
  'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2; .NET CLR 2.0.50727)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
];
const ACCEPTS = ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', '*/*',
  'text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5', 'application/json, text/plain, */*'];
const LANGS = ['es-ES,es;q=0.9', 'es', 'en-GB,en;q=0.8,es;q=0.5', 'ca-ES,ca;q=0.9,es;q=0.8', 'en'];

const hex = (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[int(0, 15)]).join('');
const PW = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const PW_SYMBOLS = '!@#$%&*._-?+=';
function password() {
  let p = '';
  const n = int(8, 14);
  for (let i = 0; i < n; i++) p += rnd() < 0.12 ? pick(PW_SYMBOLS) : pick(PW);
  return p;
}
const latin1 = (s) => Array.from(s).map((ch) => {
  const c = ch.codePointAt(0);
  if (/[A-Za-z0-9*._-]/.test(ch)) return ch;
  if (ch === ' ') return '+';
  return c < 256 ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(ch);
}).join('');
const utf8 = (s) => encodeURIComponent(s).replace(/%20/g, '+');
function email(first, last) {
  const clean = (s) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
  return `${clean(first).slice(0, 8)}${pick(['.', '_', '', '+shop'])}${clean(last).slice(0, 10)}${int(0, 99)}@${pick(['example.com', 'correo.example.es', 'mail.example.org'])}`;
}

function headers(enc, extra = {}) {
  const h = {
    host: pick(['shop.example', 'www.tienda.example:8080', 'localhost:8080']),
    'user-agent': pick(UAS), accept: pick(ACCEPTS), 'accept-language': pick(LANGS), 'accept-encoding': 'gzip, deflate, br',
    cookie: pick([`JSESSIONID=${hex(32)}`, `PHPSESSID=${hex(26).toLowerCase()}; lang=es`, `_ga=GA1.1.${int(1e8, 9e8)}.${int(1.6e9, 1.7e9)}; cart=${int(1, 9)}%7C${int(1, 9)}; cookie_consent=accepted`, `session=${hex(40).toLowerCase()}; theme=light`]),
    connection: 'keep-alive', ...extra,
  };
  if (rnd() < 0.5) h.referer = `https://shop.example/${pick(['', 'tienda/', 'catalogo/ofertas', 'search'])}${pick(['', `?q=${enc(pick(SEARCH))}`, `?page=${int(1, 9)}&sort=precio`, `?utm_source=newsletter&utm_medium=email&utm_campaign=rebajas_${int(2020, 2024)}`])}`;
  if (rnd() < 0.3) { h['x-forwarded-for'] = `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}, 10.${int(0, 9)}.0.${int(1, 9)}`; h['x-forwarded-proto'] = 'https'; h['x-forwarded-host'] = 'shop.example'; }
  if (rnd() < 0.2) h['cache-control'] = 'no-cache';
  return h;
}

const out = [];
const add = (r) => out.push({ id: `webshop-${String(out.length + 1).padStart(5, '0')}`, expect_attack: false, ...r });

for (let i = 0; i < 2000; i++) {
  const enc = rnd() < 0.5 ? latin1 : utf8;
  const first = pick(FIRST), last = pick(LAST);
  const kind = int(0, 9);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  switch (kind) {
    case 0: add({ method: 'GET', uri: pick(['/', '/tienda/index.jsp', '/tienda/imagenes/logo.gif', `/tienda/imagenes/${int(1, 40)}.jpg`, '/css/estilos.css', '/js/app.min.js', '/favicon.ico', '/tienda/publico/caracteristicas.jsp', '/robots.txt']), headers: headers(enc) }); break;
    case 1: add({ method: 'GET', uri: `/tienda/publico/producto.jsp?id=${int(1, 300)}&nombre=${enc(pick(PRODUCTS))}`, headers: headers(enc) }); break;
    case 2: add({ method: 'GET', uri: `/tienda/buscar?q=${enc(pick(SEARCH))}&orden=${pick(['precio', '-precio', 'nombre', 'valoracion'])}&pagina=${int(1, 12)}`, headers: headers(enc) }); break;
    case 3: add({ method: 'POST', uri: '/tienda/publico/anadir.jsp', headers: headers(enc, form), body: `id=${int(1, 300)}&nombre=${enc(pick(PRODUCTS))}&precio=${int(1, 300)}&cantidad=${int(1, 5)}&B1=${enc('Añadir al carrito')}` }); break;
    case 4: {
      const b = `modo=registro&login=${enc(first.toLowerCase().slice(0, 5) + int(1, 999))}&password=${enc(password())}&nombre=${enc(first)}&apellidos=${enc(last)}` +
        `&email=${enc(email(first, last))}&dni=${int(10000000, 99999999)}${pick('TRWAGMYFPDXBNJZSQVHLCKE'.split(''))}&direccion=${enc(`${pick(STREETS)}, ${int(1, 200)}${pick(['', ', 3º B', ' - 2ºA', ' bajo', ', piso 4, puerta 2'])}`)}` +
        `&ciudad=${enc(pick(CITIES))}&cp=${String(int(1000, 52999)).padStart(5, '0')}&provincia=${enc(pick(PROVINCES))}&ntc=${int(1000, 9999)}${int(1000, 9999)}${int(1000, 9999)}${int(1000, 9999)}&B1=Registrar`;
      add({ method: 'POST', uri: '/tienda/publico/registro.jsp', headers: headers(enc, form), body: b });
      break;
    }
    case 5: add({ method: rnd() < 0.5 ? 'GET' : 'POST', uri: `/tienda/publico/autenticar.jsp${rnd() < 0.5 ? `?modo=entrar&login=${enc(first.toLowerCase())}&pwd=${enc(password())}&remember=${pick(['on', 'off'])}&B1=Entrar` : ''}`, headers: headers(enc, form), body: `modo=entrar&login=${enc(first.toLowerCase())}&pwd=${enc(password())}&B1=Entrar` }); break;
    case 6: add({ method: 'POST', uri: '/tienda/publico/opinion.jsp', headers: headers(enc, form), body: `producto=${int(1, 300)}&puntuacion=${int(1, 5)}&comentario=${enc(pick(COMMENTS))}&autor=${enc(`${first} ${last}`)}` }); break;
    case 7: add({
      method: 'POST', uri: '/api/v1/pedidos', headers: headers(enc, { 'content-type': 'application/json' }),
      body: JSON.stringify({ cliente: { nombre: first, apellidos: last, email: email(first, last) }, envio: { direccion: `${pick(STREETS)} ${int(1, 99)}`, ciudad: pick(CITIES), notas: pick(COMMENTS) }, lineas: [{ sku: `SKU-${hex(6)}`, cantidad: int(1, 4), descripcion: pick(PRODUCTS) }], cupon: pick([null, 'VERANO10', 'BLACK-FRIDAY', '2x1']) }),
    }); break;
    case 8: add({ method: 'GET', uri: `/tienda/publico/${pick(['pagar.jsp', 'vaciar.jsp', 'miembros.jsp', 'entrar.jsp', 'salir.jsp'])}${pick(['', `?B2=${enc('Vaciar carrito')}`, `?modo=${pick(['insertar', 'ver', 'borrar'])}&precio=${int(1, 500)}`])}`, headers: headers(enc) }); break;
    default: add({
      method: 'POST', uri: '/tienda/perfil/avatar', headers: headers(enc, { 'content-type': 'multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW' }),
      body: `------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name="alias"\r\n\r\n${first} ${last}\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name="foto"; filename="${pick(['yo.jpg', 'foto perfil (1).png', 'IMG_2041.HEIC', 'avatar-final_v2.jpeg'])}"\r\nContent-Type: image/jpeg\r\n\r\nJFIF....\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n`,
    });
  }
}

writeFileSync(join(here, 'webshop.jsonl'), out.map((r) => JSON.stringify(r)).join('\n') + '\n');
process.stdout.write(`webshop.jsonl: ${out.length} benign requests\n`);
