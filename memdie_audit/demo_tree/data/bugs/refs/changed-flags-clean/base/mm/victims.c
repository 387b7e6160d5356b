/* out-of-memory victims (fixture) */
