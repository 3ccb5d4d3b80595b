import * as z from 'zod/mini';
// Not `z.locales.en()`: reaching it through the namespace bundles all ~50 locales.
import { en } from 'zod/locales';

/*
 * Classic zod fills the global config on first use; zod/mini leaves it empty.
 * Without the English locale every message would read "Invalid input", and
 * without the memoizer a self-referencing schema (the route tree) would
 * overflow the stack on a cyclic input (YAML aliases can build one) where
 * classic zod parses it. Every module that builds a schema imports this one
 * right after zod, so both are set before any schema is constructed: objects
 * and arrays read the memoizer when they are built.
 */
z.config({ ...en(), memoizer: z.memoizer() });
