// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'tracer/.output/**', 'test/fixtures/build/**', 'test/artifacts/**', '.work/**', '.vscode-test/**', '.tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    // type-aware rules: each file is checked with the tsconfig.json nearest to it
    // (scripts' tests sit beside the .mjs they test, outside every tsconfig)
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['scripts/*.test.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // every promise is awaited or handled: `void p` would drop its failure (vscode/errors.ts has
      // inBackground for work nobody waits for)
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // The core is shared with the command line: it must never reach for the editor API.
    files: ['extension/src/core/**/*.ts', 'extension/src/cli.ts', 'protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'core/ runs without VS Code (the CLI is built from it); put editor code in extension/src/vscode/.' }] }] },
  },
  {
    // The webview is its own bundle in a browser: it imports only its own files, shared/ and
    // protocol/ (and its npm packages). What it needs from the host's code moves to shared/.
    files: ['webview/src/**/*.ts'],
    ignores: ['webview/src/**/*.test.ts', 'webview/src/testing/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'the webview talks to the host only through protocol/messages.ts.' }],
        patterns: [
          { group: ['**/extension/**', '**/bench/**', '**/test/**', '**/scripts/**', '**/native/**', '**/tracer/**', '**/dev/**'], message: 'the webview imports only webview/src, shared/ and protocol/: move what both sides need to shared/.' },
          { regex: '^node:', message: 'the webview runs in a browser: no Node.js modules.' },
        ],
      }],
    },
  },
  {
    // shared/: pure TypeScript both bundles import (as vscode-hexeditor's shared/): no editor, no
    // Node.js, no DOM-only code, nothing from either side.
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'shared/ runs in the host, the CLI and the webview.' }],
        patterns: [
          { group: ['**/extension/**', '**/webview/**', '**/bench/**', '**/test/**', '**/scripts/**'], message: 'shared/ imports only shared/ and protocol/.' },
          { regex: '^node:', message: 'shared/ runs in a browser too: no Node.js modules.' },
        ],
      }],
    },
  },
);
