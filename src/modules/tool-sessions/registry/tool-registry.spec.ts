import type { DiscoveryService } from '@nestjs/core';
import { ToolParametersError } from '../tool-sessions.errors';
import { ToolRegistry } from './tool-registry';
import { TOOL_METADATA, type ToolDefinition } from './tool.decorator';

/** A registry over the given tool classes, as DiscoveryService would hand them over. */
function registryOf(...definitions: ToolDefinition[]): ToolRegistry {
  const wrappers = definitions.map((definition) => {
    class Tool {
      execute() {
        return null;
      }
    }
    Reflect.defineMetadata(TOOL_METADATA, definition, Tool);
    return { metatype: Tool, instance: new Tool() };
  });
  const registry = new ToolRegistry({
    getProviders: () => wrappers,
  } as unknown as DiscoveryService);
  registry.onModuleInit();
  return registry;
}

const schema = {
  type: 'object',
  properties: { text: { type: 'string' }, items: { type: 'array', items: { type: 'integer' } } },
  required: ['text'],
  additionalProperties: false,
} as const;

const tool = (name: string, parameters: object = schema): ToolDefinition => ({
  name,
  description: name,
  parameters: parameters as ToolDefinition['parameters'],
  runsIn: 'event-loop',
});

describe('ToolRegistry', () => {
  it('reports every schema error as a field under parameters', () => {
    const registry = registryOf(tool('a.tool'));
    let error: unknown;
    try {
      registry.assertValid(registry.get('a.tool'), { items: [1, 'x'], extra: true });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ToolParametersError);
    expect((error as ToolParametersError).details).toEqual({
      fields: expect.arrayContaining([
        { field: 'parameters.text', message: 'parameters.text is required' },
        { field: 'parameters.extra', message: 'parameters.extra is not a parameter of this tool' },
        { field: 'parameters.items.1', message: 'parameters.items.1 must be integer' },
      ]),
    });
    expect(() => registry.assertValid(registry.get('a.tool'), { text: 'ok' })).not.toThrow();
  });

  it('answers NF_TOOL for a name it does not know', () => {
    expect(() => registryOf().get('nope')).toThrow(expect.objectContaining({ code: 'NF_TOOL' }));
  });

  it('refuses to start with two tools of one name, an invalid schema, or a worker tool without a file', () => {
    expect(() => registryOf(tool('twice'), tool('twice'))).toThrow('two tools are named twice');
    expect(() => registryOf(tool('bad', { type: 'object', properties: 5 }))).toThrow(
      'tool bad: invalid parameter schema',
    );
    expect(() => registryOf({ ...tool('w'), runsIn: 'worker' })).toThrow(
      'worker tool w must be loaded from its *.tool file with toolsIn()',
    );
  });
});
