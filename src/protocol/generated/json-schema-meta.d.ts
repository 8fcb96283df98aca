import type { CompiledValidator } from "./validators.js";
export declare const jsonSchema2020: CompiledValidator;
