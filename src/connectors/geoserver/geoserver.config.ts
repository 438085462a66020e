import { z } from 'zod';

/** The Keycloak settings, required together when `authentication` is `keycloak`. */
const keycloakFields = ['realm', 'authUrl', 'clientId'] as const;

/** A key path in GeoServer's resource metadata map: `custom._timestamp` is the key `_timestamp` inside the map `custom`. */
const timestampKey = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'keys of letters, digits, _ and -, separated by dots');

/**
 * Settings of an external GeoServer that layers are published to, as the GeoServer task
 * manager knows them: basic authentication, or a GeoServer behind Keycloak (the user logs in
 * through the Keycloak client, password grant). Keycloak fields are flat so the client secret
 * is a top-level secret field, stored sealed like every password.
 */
export const geoserverConfigSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('Base URL of GeoServer, e.g. https://maps.example.org/geoserver.'),
    username: z.string().min(1).max(255).describe('Administrator account used for the REST API.'),
    password: z.string().min(1).max(1000).describe('Password of that account.'),
    authentication: z.enum(['basic', 'keycloak']).default('basic').describe('How geosync logs in.'),
    realm: z.string().min(1).max(255).optional().describe('Keycloak realm.'),
    authUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Keycloak server URL, e.g. https://sso.example.org/auth.'),
    clientId: z.string().min(1).max(255).optional().describe('Keycloak client id.'),
    clientSecret: z.string().min(1).max(1000).optional().describe('Keycloak client secret (confidential clients).'),
    supportsMetadata: z
      .boolean()
      .default(false)
      .describe('The server has the metadata community module, which some publication tasks use.'),
    dataTimestampProperty: timestampKey
      .default('dataTimestamp')
      .describe(
        "Key (or key path, dots between levels) in a layer's resource metadata where the time its data last changed is kept (the Task Manager's dataTimestampProperty).",
      ),
    metadataTimestampProperty: timestampKey
      .default('metadataTimestamp')
      .describe(
        "Key (or key path) in a layer's resource metadata where the time its metadata last changed is kept; with the metadata community module: custom._timestamp.",
      ),
  })
  .superRefine((config, ctx) => {
    const keycloak = config.authentication === 'keycloak';
    for (const field of [...keycloakFields, 'clientSecret'] as const) {
      const set = config[field] !== undefined;
      // clientSecret stays optional: public Keycloak clients have none.
      if (keycloak && !set && field !== 'clientSecret') {
        ctx.addIssue({ code: 'custom', path: [field], message: 'required with keycloak authentication' });
      }
      if (!keycloak && set) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'only used with keycloak authentication' });
      }
    }
  });

export type GeoserverConfig = z.infer<typeof geoserverConfigSchema>;
