// Sanitizer settings for the executables that use Graphviz (smegctl, ctl_tests). Compiled into
// each executable, not the library: the sanitizer runtimes look these functions up by name.
// What Graphviz 2.42 and the font libraries under it leak however they are called (a C program
// doing only gvContext, gvLayout of a graph with clusters, gvRenderData and the four frees leaks
// the same): the text of the plugin configuration (gvconfig), some of the dot layout's virtual
// and auxiliary edges, and fontconfig's caches. Named by function where Graphviz is concerned,
// so that a layout or graph the caller forgets to free is still reported. The slow unwinder
// lets the suppressions see those functions under Graphviz's malloc wrappers.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:gvconfig\n"
         "leak:new_virtual_edge\n"
         "leak:make_aux_edge\n"
         "leak:libfontconfig.so\n";
}
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }
