/**
 * @module The binary's main script (esbuild entry): loader first (installs the worker resolver and the lazy
 * extractor), then the hidden self-test command, then the CLI, which runs because `__VOLGUARD_BINARY__` is set.
 * Import order is evaluation order, which is the point of this file.
 */
import './loader.ts';
import './register.ts';
import '../cli/main.ts';
