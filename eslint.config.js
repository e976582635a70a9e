// Lint: typescript-eslint's recommended type-checked rules, and import-x's no-cycle so the
// layers keep depending one way (test/unit/layers.test.ts checks which layer may import which).
import tseslint from 'typescript-eslint'
import importX from 'eslint-plugin-import-x'
import {createTypeScriptImportResolver} from 'eslint-import-resolver-typescript'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'demo/**', 'bench/results/**', '**/*.mjs', '**/*.js']},
  ...tseslint.configs.recommendedTypeChecked,
  importX.flatConfigs.typescript,
  {
    languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
    settings: {'import-x/resolver-next': [createTypeScriptImportResolver()]},
    rules: {
      'import-x/no-cycle': ['error', {ignoreExternal: true}],
      // A leading underscore says "deliberately unused" (an interface's argument, a field left out of a rest).
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true}],
    },
  },
)
