// Ironic's link conventions: `self` is <base>/v1/<resource>/<id>, `bookmark` <base>/<resource>/<id>.
import type { Request } from 'express';

export interface Link {
  href: string;
  rel: string;
}

export function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

export function links(base: string, resource: string, id = ''): Link[] {
  const tail = id ? `${resource}/${id}` : `${resource}/`;
  return [
    { href: `${base}/v1/${tail}`, rel: 'self' },
    { href: `${base}/${tail}`, rel: 'bookmark' },
  ];
}
