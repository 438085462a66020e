/** The words and paths for templates and configurations: one feature serves both. */
export function nouns(template: boolean) {
  return template
    ? { singular: 'template', plural: 'templates', Singular: 'Template', Plural: 'Templates' }
    : { singular: 'configuration', plural: 'configurations', Singular: 'Configuration', Plural: 'Configurations' };
}

export function listPath(template: boolean): string {
  return template ? '/templates' : '/configurations';
}

export function newPath(template: boolean): string {
  return `${listPath(template)}/new`;
}
