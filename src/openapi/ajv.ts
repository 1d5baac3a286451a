import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { READ_ONLY_KEYWORD } from './schema-translate.js';
import { protectTickShape } from './tick-shape.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

/**
 * One Ajv instance per loaded spec. Options chosen for load-time speed and safe request-time
 * behaviour: schemas are translated (so meta-validation and strict mode add nothing), the first
 * error stops validation (cheaper, and enough to refuse a request), and refs are compiled as
 * separate functions so a schema shared by hundreds of operations is generated once.
 */
export function createAjv(): Ajv2020 {
  protectTickShape();
  const ajv = new Ajv2020({
    strict: false,
    allErrors: false,
    validateSchema: false,
    validateFormats: true,
    unicodeRegExp: false,
    inlineRefs: false,
    addUsedSchema: false,
    logger: false,
    // Ajv's message strings make the generated code ~10% larger; issues.ts writes its own.
    messages: false,
    code: { optimize: false },
  });
  addFormats(ajv);
  // A readOnly property sent in a request: always an error, reported with its own keyword.
  ajv.addKeyword({ keyword: READ_ONLY_KEYWORD, schemaType: 'boolean', errors: false, validate: () => false });
  return ajv;
}
