/** The admin module's face: the module (role-guarded routes over the other modules' faces). */
export { AdminModule } from './admin.module';
