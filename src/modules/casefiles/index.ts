/**
 * The casefiles module's face: the service other modules create and read casefiles through, the
 * contents contract (what a module keeps in a casefile, counted), its metric and its DTOs.
 */
export { CasefilesModule } from './casefiles.module';
export { CasefilesService } from './casefiles.service';
export { type CasefileContent, provideCasefileContents } from './casefile-contents';
export { casefileOperations } from './casefile.metrics';
export { AdminCasefileDto, CasefileDto } from './dto/casefile.dto';
export { CreateCasefileDto } from './dto/create-casefile.dto';
export { AdminListCasefilesQuery } from './dto/list-casefiles.dto';
export { TransferCasefileDto } from './dto/casefile-actions.dto';
