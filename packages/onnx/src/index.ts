/**
 * @packageDocumentation
 * Export InstructKit models to ONNX and generate with onnxruntime-node.
 */
export const PACKAGE_NAME = '@instructkit/onnx';
