import { z } from "zod";

/** What a secret may be called: like an environment variable, plus '-' and '.'. */
export const secretNamePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

export const secretNameSchema = z.string().regex(secretNamePattern, "a secret's name is 1-128 letters, digits, '_', '-' or '.', starting with a letter");

/** A host a secret may be sent to: a name or address with an optional port, or `*.suffix`. */
export const secretHostPattern =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/;

/** The body of `PUT /api/secrets/<name>`. */
export const secretBodySchema = z
  .object({
    value: z.string().min(1, "value must not be empty").max(65_536, "value must be at most 64 KiB"),
    allowedHosts: z
      .array(z.string().regex(secretHostPattern, "a host is a name or address with an optional port (api.example.com, 127.0.0.1:8080, *.example.com)"))
      .max(50)
      .optional()
      .describe("The hosts the server may send this secret to as {{secret:NAME}} (a hosted processor's fetch, a subscription's headers); none by default."),
  })
  .strict();
