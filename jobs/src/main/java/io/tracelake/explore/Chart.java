package io.tracelake.explore;

/**
 * A chart as an SVG image of a fixed size, to show in a notebook (as HTML: {@code display("text/html", c.svg())} in
 * the Java kernel, which has no SVG type of its own; Jupyter and GitHub draw it inline) or to save as a file.
 *
 * @param title what the chart shows
 * @param svg the image: one {@code <svg>} element with {@code width} and {@code height}
 * @param width pixels
 * @param height pixels
 * @param marks how many points or bars it draws (0: an empty chart)
 */
public record Chart(String title, String svg, int width, int height, int marks) {}
