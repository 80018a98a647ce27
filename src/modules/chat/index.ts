/** The chat module's face: the module (its routes, turns and providers stay inside). */
export { ChatModule } from './chat.module';
