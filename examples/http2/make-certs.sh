#!/bin/sh
# A throwaway CA and a server certificate for 127.0.0.1 and localhost, in ./certs (never commit them).
set -eu
cd "$(dirname "$0")"
mkdir -p certs
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -keyout certs/ca.key -out certs/ca.crt -subj /CN=gatehouse-example-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout certs/gw.key -out certs/gw.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > certs/gw.ext
openssl x509 -req -in certs/gw.csr -CA certs/ca.crt -CAkey certs/ca.key -CAcreateserial \
  -out certs/gw.crt -days 30 -extfile certs/gw.ext 2>/dev/null
echo "certs/ca.crt, certs/gw.crt, certs/gw.key written"
