/** Express 4 (installed under the alias "express4"), typed like Express for the shared example app. */
import { createRequire } from "node:module";
import type express from "express";

const require = createRequire(import.meta.url);
export const express4: typeof express = require("express4");
