/**
 * @packageDocumentation
 * The compiled training engine: objectives as ONNX training graphs on onnxruntime-node.
 */
export const PACKAGE_NAME = '@instructkit/onnx-train';
