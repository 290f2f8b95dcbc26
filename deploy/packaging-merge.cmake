# packaging-merge.cmake — runs `ar -M` on an MRI script (cmake -DAR=... -DSCRIPT=... -P this):
# ar reads MRI commands from standard input only. Used by deploy/packaging.cmake.
if(NOT AR OR NOT SCRIPT)
  message(FATAL_ERROR "packaging-merge.cmake: set -DAR=<ar> -DSCRIPT=<mri file>")
endif()
execute_process(COMMAND ${AR} -M INPUT_FILE ${SCRIPT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar -M ${SCRIPT} failed (${rc}): ${err}")
endif()
