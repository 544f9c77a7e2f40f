/**
 * OTLP/HTTP receivers: `/v1/traces`, `/v1/metrics`, `/v1/logs`, protobuf or JSON, optionally gzip.
 * Bodies stay bytes end to end (the decoders read protobuf directly); the answer is the OTLP
 * Export*ServiceResponse in the request's encoding, sent once the rows are durable.
 */
import type { OtlpSignal } from '@vigil/core';
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import { readRawBody } from '../body.js';
import type { RouteContext } from '../context.js';

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];
const JSON_TYPE = 'application/json';

export async function otlpRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core, config, metrics } = ctx;
  // Encapsulated: these parsers replace the JSON parser only for the OTLP routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...PROTOBUF_TYPES, JSON_TYPE], (request, payload, done) => {
    readRawBody(request.raw, payload, config).then(
      (body) => done(null, body),
      (err) => done(err as Error, undefined),
    );
  });

  for (const signal of ['traces', 'metrics', 'logs'] as OtlpSignal[]) {
    app.post(`/v1/${signal}`, { onRequest: ctx.auth('ingest') }, async (request, reply) => {
      const format = String(request.headers['content-type'] ?? '').startsWith(JSON_TYPE) ? 'json' : 'protobuf';
      const body = request.body as Buffer | undefined;
      const result = await core.ingestOtlp(projectOf(request), signal, body ?? new Uint8Array(0), format);
      metrics.ingestItems.inc({ signal }, result.accepted);
      if (result.rejected) metrics.ingestRejectedItems.inc({ signal }, result.rejected);
      if (result.truncated) metrics.ingestTruncated.inc({ signal }, result.truncated);
      reply.code(200).type(format === 'json' ? 'application/json' : 'application/x-protobuf');
      return reply.send(
        typeof result.response === 'string'
          ? result.response
          : Buffer.from(result.response.buffer, result.response.byteOffset, result.response.byteLength),
      );
    });
  }
}
