import type { AccessRule } from '../domain/security/permissions.ts';
import type { Principal } from '../domain/security/principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; every /api route must declare it (checked at start-up). */
    access?: AccessRule;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
