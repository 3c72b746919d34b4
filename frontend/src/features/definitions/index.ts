// The public face of the definitions feature: what other features and shared code may import.
// Everything else in this folder is its own business (eslint boundaries/dependencies).
export { type DefView, opening, useDef, useDefList, useDefVersion, usePublish, useSaveDraft } from './api/definitions';
export { DefinitionEditorPage, type EditorProps } from './components/DefinitionEditor';
export { DefinitionsListPage } from './components/DefinitionsListPage';
export { PreviewBoundary } from './components/ErrorBoundary';
export { JsonTab } from './components/JsonTab';
export { ServerErrors } from './components/ServerErrors';
export { applyServerErrors } from './lib';
