import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { buildOpenApiDocument } from '../../src/app.setup';

/** One response that the served OpenAPI document does not describe. */
export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  message: string;
}

/**
 * Every JSON response of a test app, checked against the OpenAPI document the app serves
 * (express-openapi-validator, responses only): a status the operation does not list, or a body
 * whose shape differs, is a violation. Mounted by createTestApp before the routes, and prepared
 * before the app listens (compiling the document's schemas takes a while).
 */
export class ContractCheck {
  readonly violations: ContractViolation[] = [];
  private validators: RequestHandler[] | undefined;

  constructor(private readonly app: NestExpressApplication) {}

  /** Builds the validator (the document, its schemas compiled): before the app serves. */
  prepare(): void {
    this.validators ??= this.build();
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    this.validators ??= this.build();
    let index = 0;
    const step = (error?: unknown): void => {
      // a request the validator itself refuses (it is not asked to validate requests) goes on
      if (error !== undefined || index >= (this.validators as RequestHandler[]).length) {
        next();
        return;
      }
      (this.validators as RequestHandler[])[index++](req, res, step);
    };
    step();
  };

  /** Throws when any response broke the contract: the suite that saw it fails. */
  assertClean(): void {
    if (this.violations.length === 0) return;
    const listed = this.violations
      .slice(0, 20)
      .map((v) => `  ${v.method} ${v.path} → ${v.status}: ${v.message}`)
      .join('\n');
    throw new Error(`${this.violations.length} response(s) break the OpenAPI document:\n${listed}`);
  }

  private build(): RequestHandler[] {
    const document = buildOpenApiDocument(this.app);
    return OpenApiValidator.middleware({
      apiSpec: JSON.parse(JSON.stringify(document)) as never,
      validateRequests: false,
      validateSecurity: false,
      fileUploader: false,
      ignoreUndocumented: true,
      // the probe's test-only routes answer whatever a test asks of them
      ignorePaths: /^\/v1\/probe\//,
      validateResponses: {
        allErrors: true,
        onError: (error, _body, req) => {
          this.violations.push({
            method: req.method,
            path: req.originalUrl.split('?')[0],
            status: (req.res as Response).statusCode,
            message: error.message,
          });
        },
      },
    });
  }
}
