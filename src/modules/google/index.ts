/** The google module's face: what other modules may use of it. */
export { GoogleModule } from './google.module';
export { GoogleConnectionsService } from './google-connections.service';
export { GoogleConnectionRevokedError } from './google.errors';
export { googleConnectionUsable } from './google.sql';
