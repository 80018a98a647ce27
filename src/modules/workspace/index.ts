/** The workspace module's face: the module (its data, sync and tools stay inside). */
export { WorkspaceModule } from './workspace.module';
