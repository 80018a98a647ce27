import type { CasefileCountsDto } from './dto/casefile.dto';

export type CasefileCountKey = keyof CasefileCountsDto;

/**
 * What a domain keeps in casefiles, as the casefile's `counts` shows it. Each domain module
 * describes its own table here, so the casefiles module reads no other module's table by name
 * and imports none of them; the list is composed once, in AppModule.
 */
export interface CasefileContent {
  readonly key: CasefileCountKey;
  /** A scalar SQL expression: how many items the casefile whose id is `casefileId` holds. */
  countSql(casefileId: string): string;
}

export const CASEFILE_CONTENTS = Symbol('CASEFILE_CONTENTS');
