import { z } from "zod";

/** What a secret may be called: like an environment variable, plus '-' and '.'. */
export const secretNamePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

export const secretNameSchema = z
  .string()
  .regex(secretNamePattern, "a secret's name is 1-128 letters, digits, '_', '-' or '.', starting with a letter");

/** The body of `PUT /api/secrets/<name>`. */
export const secretBodySchema = z
  .object({ value: z.string().min(1, "value must not be empty").max(65_536, "value must be at most 64 KiB") })
  .strict();
