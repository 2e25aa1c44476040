/** Mock models that record their calls, for users' own tests. */
export {};
