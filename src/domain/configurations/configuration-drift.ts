/** The parts of a configuration that a template defines: tasks (with parameters) and batches. */
export interface TemplateShape {
  tasks: { name: string; type: string; parameters: Record<string, string> }[];
  batches: { name: string; tasks: string[] }[];
}

const canonical = (shape: TemplateShape): string =>
  JSON.stringify({
    tasks: [...shape.tasks]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => [t.name, t.type, Object.entries(t.parameters).sort(([a], [b]) => a.localeCompare(b))]),
    batches: [...shape.batches].sort((a, b) => a.name.localeCompare(b.name)).map((b) => [b.name, b.tasks]),
  });

/**
 * Does a configuration differ from its template now? Attribute values are the configuration's own
 * and never count; tasks, parameters and batches do.
 */
export function hasDrift(configuration: TemplateShape, template: TemplateShape): boolean {
  return canonical(configuration) !== canonical(template);
}
