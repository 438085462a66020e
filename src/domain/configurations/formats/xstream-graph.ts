import { UserError } from '../../../errors/errors.ts';
import { attributeOf, childElements, firstChild, textOf, type XmlElement } from '../../../lib/xml/xml-node.ts';

/** The error every problem with a Task Manager export becomes. */
export function invalidTaskManagerXml(message: string, line?: number): UserError {
  const where = line === undefined ? '' : ` (line ${line})`;
  return new UserError('invalid_taskmanager_xml', `Not a usable Task Manager export: ${message}${where}`, {
    details: [{ message: `${message}${where}` }],
  });
}

/**
 * An XStream object graph on top of the XML tree. XStream writes an object once and later
 * mentions it as `<x reference="…"/>`: an XPath relative to that element (the default,
 * `../../entry[2]/…`), an absolute one (`/root/…`), or an `id` attribute's value. `deref` turns a
 * mention back into the element holding the object. Nothing here recurses over the tree: exports
 * nest objects deeply (each task written inside the batch of the task before it).
 */
export class XStreamGraph {
  private readonly parents = new Map<XmlElement, XmlElement>();
  private readonly ids = new Map<string, XmlElement>();

  constructor(readonly root: XmlElement) {
    const pending = [root];
    for (let element = pending.pop(); element; element = pending.pop()) {
      const id = attributeOf(element, 'id');
      if (id !== undefined) this.ids.set(id, element);
      for (const child of childElements(element)) {
        this.parents.set(child, element);
        pending.push(child);
      }
    }
  }

  /** The element holding the object `element` stands for: itself, or what its `reference` points at. */
  deref(element: XmlElement): XmlElement {
    const reference = attributeOf(element, 'reference');
    if (reference === undefined) return element;
    const target =
      reference.startsWith('/') || reference.startsWith('.')
        ? this.follow(element, reference)
        : this.ids.get(reference);
    if (!target) throw invalidTaskManagerXml(`reference '${reference}' points at nothing`, element.line);
    if (attributeOf(target, 'reference') !== undefined) {
      throw invalidTaskManagerXml(`reference '${reference}' points at another reference`, element.line);
    }
    return target;
  }

  /** Whether the object `element` stands for is the root (the configuration itself). */
  isRoot(element: XmlElement | undefined): boolean {
    return element !== undefined && this.deref(element) === this.root;
  }

  private follow(from: XmlElement, path: string): XmlElement | undefined {
    const steps = path.split('/');
    let current: XmlElement | undefined = from;
    if (path.startsWith('/')) {
      steps.shift();
      // The first step names the root itself.
      if (!this.matches(this.root, steps.shift() ?? '')) return undefined;
      current = this.root;
    }
    for (const step of steps) {
      if (!current) return undefined;
      if (step === '..') current = this.parents.get(current);
      else if (step !== '.' && step !== '') current = this.child(current, step);
    }
    return current;
  }

  private child(parent: XmlElement, step: string): XmlElement | undefined {
    const { name, index } = parseStep(step);
    return childElements(parent, name)[index - 1];
  }

  private matches(element: XmlElement, step: string): boolean {
    const { name, index } = parseStep(step);
    return element.name === name && index === 1;
  }
}

function parseStep(step: string): { name: string; index: number } {
  const match = /^(.*)\[(\d+)\]$/.exec(step);
  return match ? { name: match[1] as string, index: Number(match[2]) } : { name: step, index: 1 };
}

/** Text of the child `name` (trimmed is the caller's choice); undefined when the child is absent. */
export function childText(element: XmlElement, name: string): string | undefined {
  const child = firstChild(element, name);
  return child === undefined ? undefined : textOf(child);
}

/** `<removeStamp>`: 0 or absent means active; anything else is the time Task Manager removed it. */
export function isRemoved(element: XmlElement): boolean {
  const stamp = childText(element, 'removeStamp')?.trim();
  return stamp !== undefined && stamp !== '' && stamp !== '0';
}

/** The entries of an XStream map (`<entry><string>key</string><value…/></entry>`), values dereferenced. */
export function mapEntries(
  graph: XStreamGraph,
  map: XmlElement | undefined,
): Array<{ key: string; value: XmlElement }> {
  if (!map) return [];
  return childElements(map, 'entry').map((entry) => {
    const [key, value] = childElements(entry);
    if (!key || !value) throw invalidTaskManagerXml(`an <entry> of <${map.name}> needs a key and a value`, entry.line);
    return { key: textOf(key), value: graph.deref(value) };
  });
}
