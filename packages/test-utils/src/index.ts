/**
 * @packageDocumentation
 * Private test helpers: tiny models, seeded RNG, expectClose.
 */
export const PACKAGE_NAME = '@instructkit/test-utils';
