// Runs the @nestjs/swagger CLI plugin under ts-jest (as `nest build` does), so DTOs are
// documented the same way in tests and in the build.
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) =>
  plugin.before({ classValidatorShim: true, introspectComments: true }, compiler.program);
