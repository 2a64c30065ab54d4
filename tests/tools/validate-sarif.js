#!/usr/bin/env node
// Validates SARIF files against the SARIF 2.1.0 JSON schema (the final, rtm.5 revision shipped in
// @microsoft/jest-sarif) with ajv. Usage: node validate-sarif.js FILE...; exit 0 when all are valid.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const schema = require(path.join(__dirname, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
// The schema is draft-04 and keys its own id with "id"; "full" checks the uri and date-time formats.
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, format: 'full' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(schema);

let failed = 0;
for (const file of process.argv.slice(2)) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: not JSON: ${e.message}`);
    failed++;
    continue;
  }
  if (!validate(doc)) {
    failed++;
    for (const err of validate.errors)
      console.error(`${file}: ${err.dataPath || '/'} ${err.message} ${JSON.stringify(err.params)}`);
  }
}
if (process.argv.length < 3) {
  console.error('usage: validate-sarif.js FILE...');
  process.exit(2);
}
process.exit(failed ? 1 : 0);
