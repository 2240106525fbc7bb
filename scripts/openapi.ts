/** `npm run openapi`: writes the OpenAPI document to docs/openapi.json (see openapi-document.ts). */
import { writeFileSync } from 'node:fs';
import { OPENAPI_FILE, openApiDocument } from './openapi-document.js';

writeFileSync(OPENAPI_FILE, await openApiDocument());
console.error(`wrote ${OPENAPI_FILE}`);
