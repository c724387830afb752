file(READ ${INPUT} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace {\nconstexpr char kData[] = {${content} 0};\n}\nnamespace bulkhead::embedded {\nstd::string_view ${SYMBOL}() { return {kData, sizeof(kData) - 1}; }\n}\n")
