/**
 * An in-memory backend for running the UI in a plain browser (`npm run dev`
 * outside Tauri) and in tests; never in a production build. The pieces live
 * in `mock/`: `commands.ts` (the commands, with state and injected
 * failures), `fixtures.ts` (ready-made values), `demo.ts` (the dev
 * server's set-ups from the address), `types.ts`.
 */
export { createMockBackend, mockCheckServer } from './mock/commands';
export { createMockBackendFromUrl } from './mock/demo';
export { MOCK_DEFAULTS, MOCK_TREE, mockAccount, mockAppInfo, mockFolder } from './mock/fixtures';
export type { BackendMethod, MockBackend, MockBackendOptions, MockCall, MockRemoteNode } from './mock/types';
export { mockCollection, mockContactFields, mockEventFields } from './mock/pim';
export type { MockContact, MockEvent, MockPimState } from './mock/pim';
export { mockLauncher, mockOverview, mockServerNotice, mockTile } from './mock/services';
export type { MockServicesState } from './mock/services';
