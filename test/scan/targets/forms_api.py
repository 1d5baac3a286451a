"""
A small records service in another style than the Node targets: Python's standard library only,
form, multipart and XML bodies read by Python's own parsers (urllib.parse, email, xml.etree), a
form login with opaque tokens that expire after a number of uses, a caller's own `secret` field,
a search that is slow on unusual characters but injects nothing, a real SQLite query built by
string concatenation (with a SLEEP function, as MySQL has), a simulated shell that only knows
sleep, and a GET that wipes the data. Loopback only; prints its port on stdout.

  python3 forms_api.py [--flaws sqli,command,exposure] [--token-uses N]
"""
import email.parser
import email.policy
import json
import re
import secrets
import sqlite3
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = sys.argv[1:]
FLAWS = set(ARGS[ARGS.index('--flaws') + 1].split(',')) if '--flaws' in ARGS else set()
TOKEN_USES = int(ARGS[ARGS.index('--token-uses') + 1]) if '--token-uses' in ARGS else 1000000

USERS = {
    'alice': {'id': 7, 'username': 'alice', 'email': 'alice@example.org', 'password': 'alice-Secr3t!', 'secret': 'my diary: tuesday'},
    'bob': {'id': 8, 'username': 'bob', 'email': 'bob@example.org', 'password': 'bob-Secr3t!', 'secret': 'bob diary: friday'},
}
LOCK = threading.Lock()
STATE = {'tokens': {}, 'documents': [], 'notes': [], 'resets': 0, 'logins': 0, 'seen': []}

DB = sqlite3.connect(':memory:', check_same_thread=False)
DB.create_function('SLEEP', 1, lambda s: time.sleep(min(float(s), 5)) or 0)
DB.execute('CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)')
DB.executemany('INSERT INTO books (title) VALUES (?)', [('Dune',), ('Emma',), ('Ulysses',)])


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(data)))
        self.send_header('x-content-type-options', 'nosniff')
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get('content-length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def form(self, raw):
        if not (self.headers.get('content-type') or '').startswith('application/x-www-form-urlencoded'):
            return None
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode('utf-8', 'replace'), keep_blank_values=True).items()}

    def caller(self):
        m = re.match(r'^Bearer (\S+)$', self.headers.get('authorization') or '')
        if not m:
            return None
        with LOCK:
            entry = STATE['tokens'].get(m.group(1))
            if entry is None or entry['uses'] >= TOKEN_USES:
                return None
            entry['uses'] += 1
            return USERS[entry['user']]

    def do_GET(self):
        self.route('GET')

    def do_POST(self):
        self.route('POST')

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        raw = self.body() if method == 'POST' else b''
        with LOCK:
            STATE['seen'].append(f'{method} {path}')
        if method == 'GET' and path == '/stats':
            with LOCK:
                return self.send_json(200, {k: STATE[k] for k in ('resets', 'logins', 'seen')} | {'documents': STATE['documents'], 'notes': STATE['notes']})
        if method == 'POST' and path == '/login':
            fields = self.form(raw)
            if fields is None:
                return self.send_json(415, {'title': 'form expected'})
            user = USERS.get(fields.get('username', ''))
            if user is None or user['password'] != fields.get('password'):
                return self.send_json(401, {'title': 'bad credentials'})
            token = secrets.token_hex(16)
            with LOCK:
                STATE['tokens'][token] = {'user': user['username'], 'uses': 0}
                STATE['logins'] += 1
            return self.send_json(200, {'access_token': token, 'token_type': 'bearer'})
        if method == 'GET' and path == '/books':
            q = urllib.parse.parse_qs(url.query).get('title', [''])[0]
            if len(q) > 200:
                return self.send_json(400, {'title': 'title too long'})
            if 'sqli' in FLAWS:
                try:
                    rows = DB.execute("SELECT id, title FROM books WHERE title LIKE '%" + q + "%'").fetchall()
                except sqlite3.Error:
                    return self.send_json(400, {'title': 'bad query'})
            else:
                rows = DB.execute('SELECT id, title FROM books WHERE title LIKE ?', ('%' + q + '%',)).fetchall()
            return self.send_json(200, [{'id': r[0], 'title': r[1]} for r in rows])
        if method == 'POST' and path == '/search':
            fields = self.form(raw)
            if fields is None or len(fields.get('q', '')) > 200:
                return self.send_json(400, {'title': 'form expected'})
            # Slow on unusual characters (a deep inspection path), whatever they ask for.
            if re.search(r"[^A-Za-z0-9 ]", fields.get('q', '')):
                time.sleep(0.9)
            return self.send_json(200, {'results': [], 'q': fields.get('q', '')})
        if method == 'GET' and path == '/admin/reset-db':
            with LOCK:
                STATE['resets'] += 1
                STATE['tokens'].clear()
                STATE['documents'].clear()
            return self.send_json(200, {'reset': True})
        if method == 'GET' and path == '/maintenance/reindex':
            with LOCK:
                STATE['resets'] += 1
            return self.send_json(200, {'reindexed': True})
        user = self.caller()
        if user is None:
            self.send_response(401)
            self.send_header('www-authenticate', 'Bearer')
            self.send_header('content-length', '0')
            self.end_headers()
            return
        if method == 'POST' and path == '/diagnostics/lookup':
            fields = self.form(raw)
            if fields is None or not fields.get('host'):
                return self.send_json(400, {'title': 'host required'})
            # A simulated `sh -c "nslookup " + host` that only understands sleep: no real shell.
            m = re.search(r'(?:;|\||&&|\$\(|`|\n)\s*sleep\s+(\d+)', fields['host'])
            if 'command' in FLAWS and m:
                time.sleep(min(int(m.group(1)), 5))
            return self.send_json(200, {'output': 'Server: 127.0.0.53'})
        if method == 'GET' and path == '/me':
            return self.send_json(200, {k: user[k] for k in ('id', 'username', 'email', 'secret')})
        m = re.match(r'^/users/(\d+)$', path)
        if method == 'GET' and m:
            other = next((u for u in USERS.values() if u['id'] == int(m.group(1))), None)
            if other is None or (other is not user and 'exposure' not in FLAWS):
                return self.send_json(404, {'title': 'not found'})
            return self.send_json(200, {k: other[k] for k in ('id', 'username', 'secret')})
        if method == 'POST' and path == '/documents':
            ctype = self.headers.get('content-type') or ''
            if not ctype.startswith('multipart/form-data') or 'boundary=' not in ctype:
                return self.send_json(400, {'title': 'multipart/form-data with a boundary expected'})
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(b'content-type: ' + ctype.encode() + b'\r\n\r\n' + raw)
            parts = {}
            for part in msg.iter_parts():
                name = part.get_param('name', header='content-disposition')
                parts[name] = {'filename': part.get_filename(), 'type': part.get_content_type(), 'data': part.get_payload(decode=True)}
            file = parts.get('file')
            title = parts.get('title')
            if file is None or file['filename'] is None or title is None:
                return self.send_json(400, {'title': 'title and a file part are required'})
            doc = {'id': len(STATE['documents']) + 1, 'title': title['data'].decode(), 'filename': file['filename'], 'size': len(file['data'])}
            with LOCK:
                STATE['documents'].append(doc)
            return self.send_json(201, doc)
        if method == 'POST' and path == '/notes':
            if not (self.headers.get('content-type') or '').startswith('application/xml'):
                return self.send_json(415, {'title': 'application/xml expected'})
            try:
                root = ET.fromstring(raw)
            except ET.ParseError:
                return self.send_json(400, {'title': 'malformed XML'})
            if root.tag != 'note' or root.find('text') is None:
                return self.send_json(400, {'title': '<note><text>..</text></note> expected'})
            note = {'id': len(STATE['notes']) + 1, 'ref': 'note-' + secrets.token_hex(6), 'text': root.findtext('text'), 'lang': root.get('lang')}
            with LOCK:
                STATE['notes'].append(note | {'owner': user['username']})
            return self.send_json(201, note)
        m = re.match(r'^/archive/([\w-]+)$', path)
        if method == 'GET' and m:
            note = next((n for n in STATE['notes'] if n['ref'] == m.group(1) and n['owner'] == user['username']), None)
            if note is None:
                return self.send_json(404, {'title': 'not found'})
            return self.send_json(200, {k: v for k, v in note.items() if k != 'owner'})
        return self.send_json(404, {'title': 'not found'})


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
